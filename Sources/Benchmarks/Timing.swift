// Timing.swift: the clock and the statistics every benchmark uses, so that deat's side is timed the
// way its PyTorch peer times itself (scripts/bench/common.py `timed`: median of the timed calls after
// untimed warm-up, the device synchronised before each clock read).
import Foundation
import Torch

public enum Timing {
    /// The middle value (the upper one of an even count), as the peers compute it.
    public static func median(_ values: [Double]) -> Double {
        let sorted = values.sorted()
        return sorted[sorted.count / 2]
    }

    /// A monotonic clock reading in nanoseconds.
    public static func now() -> UInt64 { DispatchTime.now().uptimeNanoseconds }

    public static func seconds(since start: UInt64) -> Double { Double(now() - start) / 1e9 }

    /// Median seconds per call of `call` over `iterations` timed calls after `warmup` untimed ones.
    public static func medianSeconds(
        iterations: Int, warmup: Int, device: Device = .cpu, _ call: () throws -> Void
    ) throws -> Double {
        for _ in 0..<warmup { try call() }
        var times: [Double] = []
        for _ in 0..<iterations {
            try device.synchronize()
            let start = now()
            try call()
            try device.synchronize()
            times.append(seconds(since: start))
        }
        return median(times)
    }

    /// `rounds` alternating measurements, deat then its peer, so that drift in a shared machine's load
    /// hits both sides; returns the median of each side.
    public static func alternate(
        rounds: Int, deat: () throws -> Double, peer: () throws -> Double
    ) throws -> (deat: Double, peer: Double) {
        var deatTimes: [Double] = [], peerTimes: [Double] = []
        for _ in 0..<rounds {
            deatTimes.append(try deat())
            peerTimes.append(try peer())
        }
        return (median(deatTimes), median(peerTimes))
    }
}
