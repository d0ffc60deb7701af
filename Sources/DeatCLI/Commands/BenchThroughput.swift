// BenchThroughput.swift: `deat bench throughput`: images/s of one DEAT replay step and of one PGD
// attack step, deat's own code against the same eager loop in PyTorch (scripts/bench/throughput.py)
// on the same device, batch, layout and precision (Benchmarks.ThroughputBenchmark). Made for the GPU;
// it runs on the CPU too, where PyTorch runs a second time at deat's allocator settings, as in `deat
// bench peer`. Rounds alternate deat and PyTorch, so that drift in the machine's load hits both.
//
//   deat bench throughput --device cuda --python "$(command -v python3)" [--channels-last] [--autocast bf16]
import ArgumentParser
import Benchmarks
import DataFormats
import Foundation
import Models
import Torch

struct BenchThroughput: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "throughput",
        abstract: "Images/s of a DEAT replay step and a PGD attack step, deat vs PyTorch eager on the same device.",
        discussion: """
            A call is one minibatch: r DEAT replays (each one forward, one backward, a signed δ step and an SGD step, \
            ε = 8/255, α = 10/255) or one PGD-K attack in eval mode (K input-gradient steps of 2/255, every iterate checked). \
            Images/s counts batch × r or batch × K per call. Medians over --iters calls, then over --rounds; a ratio above 1 \
            means deat is faster. On the CPU the peer runs twice per round: as users run it, and at deat's allocator \
            settings (MALLOC_MMAP_THRESHOLD_ and MALLOC_TRIM_THRESHOLD_ at 1 GiB, as deat sets them at start-up), with a \
            ratio for each. Also prints the time a full M+DEAT CIFAR-10 schedule would take at deat's measured rate.
            """)

    typealias Work = ThroughputBenchmark.Work
    enum Precision: String, ExpressibleByArgument { case bf16 }

    @OptionGroup var workload: WorkloadOptions<ThroughputDefaults>
    @Option(help: "Comma-separated work: deat-replay, pgd-step.") var work: String = "deat-replay,pgd-step"
    @Option(help: "DEAT replays per call.") var replays: Int = 8
    @Option(help: "PGD steps per call.") var pgdSteps: Int = 10
    @Option(help: "Alternating rounds (deat then PyTorch).") var rounds: Int = 3
    @Flag(help: "Channels-last layout for the model and the batch, on both sides.") var channelsLast = false
    @Option(help: "Mixed precision on both sides: bf16 (default: float32).") var autocast: Precision?
    @Option(help: "deat's CPU 3×3 stride-1 convolutions: direct (libtorch's kernels, as PyTorch eager) or winograd (oneDNN's Winograd kernels).") var convolutions: ConvolutionAlgorithm = .direct
    @Flag(help: "Measure deat only (no PyTorch peer).") var noPeer = false
    @OptionGroup var peer: PeerScriptOptions
    @OptionGroup var runtime: RuntimeOptions

    var workList: [Work] { work.split(separator: ",").compactMap { Work(rawValue: $0.trimmingCharacters(in: .whitespaces)) } }

    func validate() throws {
        guard replays >= 1, pgdSteps >= 1, rounds >= 1 else {
            throw ValidationError("--replays, --pgd-steps and --rounds must be at least 1")
        }
        let names = work.split(separator: ",").map { $0.trimmingCharacters(in: .whitespaces) }
        if let unknown = names.first(where: { Work(rawValue: $0) == nil }) {
            throw ValidationError("--work: unknown '\(unknown)' (expected deat-replay, pgd-step)")
        }
    }

    func run() throws {
        let device = try runtime.apply()
        let runner = peer.runner(threads: runtime.threads)
        if !noPeer { try runner.check(ThroughputBenchmark.peerScript) }
        let (batch, iters) = (workload.batch, workload.iters)
        var bench = ThroughputBenchmark(
            model: workload.model, batch: batch, work: workList, replays: replays, pgdSteps: pgdSteps, iterations: iters,
            warmup: workload.warmup)
        (bench.channelsLast, bench.bf16, bench.convolutions) = (channelsLast, autocast == .bf16, convolutions)
        let kind = workload.model
        let setup = "\(kind) batch \(batch), \(device), \(channelsLast ? "channels-last" : "NCHW"), \(autocast?.rawValue ?? "fp32"), deat's convolutions \(convolutions)"
        print("deat bench throughput: \(setup), \(runtime.threads) thread(s), \(rounds) round(s) × \(iters) calls, \(Runtime.libtorchVersion)")
        flushOutput()
        // On the CPU the peer also runs at deat's allocator settings (PeerRunner.equalAllocator), as in
        // `deat bench peer`: glibc's defaults cost PyTorch page faults that deat avoids.
        let peerEnvironments: [[String: String]] = noPeer ? [] : device == .cpu ? [[:], PeerRunner.equalAllocator] : [[:]]
        let equal = peerEnvironments.count == 2
        // deat's seconds per call, and the peer's under each of `peerEnvironments`.
        var deat: [Work: [Double]] = [:]
        var peers = [[Work: [Double]]](repeating: [:], count: peerEnvironments.count)
        let arguments = bench.peerArguments(device: runtime.device.description)
        for round in 0..<rounds {
            for (w, seconds) in try bench.measureDeat(device: device) { deat[w, default: []].append(seconds) }
            for (i, environment) in peerEnvironments.enumerated() {
                let result = try runner.run(ThroughputBenchmark.peerScript, arguments, environment: environment)
                for (w, seconds) in try bench.peerSeconds(result) { peers[i][w, default: []].append(seconds) }
            }
            print("  round \(round + 1)/\(rounds) done")
            flushOutput()
        }
        print("work".padding(toLength: 30, withPad: " ", startingAt: 0) + "deat img/s   PyTorch img/s   ratio deat/PyTorch (speed)"
            + (equal ? "   PyTorch at deat's allocator   ratio (speed)" : ""))
        for w in workList {
            let d = bench.imagesPerCall(w) / Timing.median(deat[w]!)
            let speeds = peers.map { $0[w].map { bench.imagesPerCall(w) / Timing.median($0) } }
            let (t, e) = (speeds.first ?? nil, speeds.count > 1 ? speeds[1] : nil)
            let label = w == .deatReplay ? "DEAT replay step (r = \(replays))" : "PGD-\(pgdSteps) attack step"
            print(label.padding(toLength: 30, withPad: " ", startingAt: 0)
                + String(format: "%10.0f", d) + (t.map { String(format: "   %13.0f   %8.3f", $0, d / $0) } ?? "   –")
                + (e.map { String(format: "   %27.0f   %13.3f", $0, d / $0) } ?? ""))
        }
        if let seconds = deat[.deatReplay].map(Timing.median), kind == .preActResNet18 {
            let replayEpoch = bench.replayEpochSeconds(secondsPerCall: seconds)
            print(String(format: "M+DEAT CIFAR-10 estimate: %.1f s per replay-epoch (reference run: %.1f s), %.0f min for its %.0f replay-epochs, validation not counted",
                         replayEpoch, ThroughputBenchmark.referenceSecondsPerReplayEpoch,
                         replayEpoch * ThroughputBenchmark.referenceReplayEpochs / 60, ThroughputBenchmark.referenceReplayEpochs))
        }
        flushOutput()
    }
}
