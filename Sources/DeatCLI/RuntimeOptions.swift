// RuntimeOptions.swift: options every compute subcommand shares (threads, device, seed, --verbose).
import ArgumentParser
import Foundation
import Torch

/// `--device` as typed: `cuda` without an index means this process's GPU (cuda:0, or the local
/// rank's in a data-parallel run), so it stays distinct from an explicit `cuda:0`.
enum DeviceChoice: Equatable, CustomStringConvertible {
    case cpu
    case cuda(Int?)

    /// Parses as `Device(parsing:)` does, and says what is wrong with a bad value.
    init(parsing argument: String) throws {
        switch try Device(parsing: argument) {
        case .cpu: self = .cpu
        case .cuda(let index): self = argument.contains(":") ? .cuda(index) : .cuda(nil)
        }
    }

    /// The device for a process whose local rank is `localRank`.
    func device(localRank: Int = 0) -> Device {
        switch self {
        case .cpu: .cpu
        case .cuda(let index): .cuda(index ?? localRank)
        }
    }

    var description: String {
        switch self {
        case .cpu: "cpu"
        case .cuda(let index): index.map { "cuda:\($0)" } ?? "cuda"
        }
    }
}

struct RuntimeOptions: ParsableArguments {
    @Option(help: "libtorch intra-op threads, set explicitly because libtorch's own default may be 1.") var threads: Int = ProcessInfo.processInfo.activeProcessorCount
    @Option(help: "Compute device: cpu, cuda or cuda:N (default: cpu).", transform: DeviceChoice.init(parsing:)) var device: DeviceChoice = .cpu
    @Option(help: "Seed for weights, shuffling and every random draw.") var seed: UInt64 = 0
    @OptionGroup var log: LogOptions

    func validate() throws {
        guard threads >= 1 else { throw ValidationError("--threads must be at least 1, got \(threads)") }
    }

    /// Applies the thread count and seed, and returns the device (the local rank's GPU for a plain
    /// `cuda`), checked against this libtorch.
    func apply(localRank: Int = 0) throws -> Device {
        log.bootstrap()
        Runtime.threads = threads
        Runtime.manualSeed(seed)
        let chosen = device.device(localRank: localRank)
        try chosen.validate()
        Diagnostics.log.debug("\(Runtime.libtorchVersion), \(Runtime.threads) intra-op thread(s), device \(chosen), seed \(seed)")
        return chosen
    }
}
