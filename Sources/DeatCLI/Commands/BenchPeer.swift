// BenchPeer.swift: `deat bench peer`: M+DEAT and FREE-8 training plus PGD-20 evaluation in deat and
// in PyTorch (scripts/bench/peer.py, Debian's torch on the same libtorch, the same thread count),
// alternating deat, PyTorch, deat, PyTorch … so that drift in a shared machine's load hits both
// sides. PyTorch runs twice per round: as users run it, and with deat's allocator settings
// (PeerRunner.equalAllocator, docs/benchmarks.md "Same allocator settings"); both ratios are printed. Each side is a child process (deat's is `deat bench peer-run`, BenchPeerRun.swift), run by
// Benchmarks' ChildProcess and PeerRunner, so that both sides' peak memory is measured the same way;
// the figures and their comparison are Benchmarks.PeerFigures.
//
//   deat bench peer --threads 2 --epochs 3 --train-subset 10000 --n 1000 --rounds 2
import ArgumentParser
import Benchmarks
import Foundation
import Torch

struct BenchPeer: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "peer",
        abstract: "M+DEAT and FREE-8 training and PGD-20 in deat and in PyTorch, alternately; prints the figures and the ratios.",
        discussion: """
            Fashion-MNIST + SmallCNN on the CPU. A ratio below 1 means deat is faster (time) or smaller (memory). \
            Time per epoch counts the training loop only; images/s is training images per second of it; \
            peak RSS is each child process's maximum resident set size (its own getrusage ru_maxrss, reported in its result).
            """)

    @Option(help: "Comma-separated methods: mplus-deat and/or free-N.") var methods: String = "mplus-deat,free-8"
    @OptionGroup var size: PeerRunOptions
    @Option(help: "Alternating rounds (deat then PyTorch, per method); medians are reported.") var rounds: Int = 2
    @OptionGroup var peer: PeerScriptOptions
    @OptionGroup var runtime: RuntimeOptions

    func validate() throws {
        guard rounds >= 1 else { throw ValidationError("--rounds must be at least 1") }
        for m in methodList where !PeerTraining.isSupported(m) {
            throw ValidationError("--methods: '\(m)' is not mplus-deat or free-N")
        }
        guard runtime.device == .cpu else { throw ValidationError("deat bench peer runs on the CPU only") }
    }

    var methodList: [String] { methods.split(separator: ",").map { $0.trimmingCharacters(in: .whitespaces) } }

    func run() throws {
        _ = try runtime.apply()
        let runner = peer.runner(threads: runtime.threads)
        try runner.check(PeerTraining.peerScript)
        let work = FileManager.default.temporaryDirectory.appendingPathComponent("deat-bench-peer-\(getpid())")
        try FileManager.default.createDirectory(at: work, withIntermediateDirectories: true)
        defer { try? FileManager.default.removeItem(at: work) }
        let initial = work.appendingPathComponent("init.safetensors")
        try PeerTraining.writeInitialWeights(seed: runtime.seed, to: initial)
        let deat = URL(fileURLWithPath: "/proc/self/exe").resolvingSymlinksInPath().path
        print("deat bench peer: Fashion-MNIST SmallCNN, \(size.epochs) epochs on \(size.trainSubset) images, PGD-20 on \(size.n) points, "
            + "\(runtime.threads) thread(s), \(rounds) round(s), \(Runtime.libtorchVersion)")
        flushOutput()
        for method in methodList {
            let side = size.training(method: method, initial: initial.path, work: work.appendingPathComponent("run").path, seed: runtime.seed)
            // Each round: deat, PyTorch as users run it, PyTorch at deat's allocator settings.
            var deatRuns: [PeerFigures] = [], torchRuns: [PeerFigures] = [], equalRuns: [PeerFigures] = []
            for round in 0..<rounds {
                let own = try ChildProcess.run(
                    deat, ["bench", "peer-run", "--method", method, "--initial", initial.path, "--work", side.work.path,
                           "--threads", "\(runtime.threads)"] + side.sharedArguments, name: "deat bench peer-run")
                deatRuns.append(try PeerFigures(PeerResult(parsing: own, from: "deat bench peer-run")))
                torchRuns.append(try PeerFigures(runner.run(PeerTraining.peerScript, side.peerArguments)))
                equalRuns.append(try PeerFigures(runner.run(PeerTraining.peerScript, side.peerArguments, environment: PeerRunner.equalAllocator)))
                print("  \(method) round \(round + 1)/\(rounds): deat \(String(format: "%.1f", deatRuns.last!.totalSeconds)) s, "
                    + "PyTorch \(String(format: "%.1f", torchRuns.last!.totalSeconds)) s, "
                    + "PyTorch at equal allocator settings \(String(format: "%.1f", equalRuns.last!.totalSeconds)) s")
                flushOutput()
            }
            print("\(method)   r per epoch: deat \(deatRuns.last!.iterations), PyTorch \(torchRuns.last!.iterations)")
            printComparison("PyTorch as users run it (glibc's default allocator settings)", deat: deatRuns, torch: torchRuns)
            printComparison("PyTorch at deat's allocator settings (\(PeerRunner.equalAllocator.keys.sorted().map { "\($0)=\(PeerRunner.equalAllocator[$0]!)" }.joined(separator: " ")))",
                            deat: deatRuns, torch: equalRuns)
            flushOutput()
        }
    }
}

/// One comparison table of `deat bench peer`: deat's figures against one way of running PyTorch.
private func printComparison(_ title: String, deat: [PeerFigures], torch: [PeerFigures]) {
    print("  against \(title)")
    print("  figure".padding(toLength: 28, withPad: " ", startingAt: 0) + "deat        PyTorch     ratio deat/PyTorch")
    for row in PeerFigures.comparison(deat: deat, torch: torch) {
        print("  " + row.label.padding(toLength: 26, withPad: " ", startingAt: 0)
            + String(format: row.format, row.deat).padding(toLength: 12, withPad: " ", startingAt: 0)
            + String(format: row.format, row.torch).padding(toLength: 12, withPad: " ", startingAt: 0)
            + (row.torch != 0 ? String(format: "%.3f", row.deat / row.torch) : "–"))
    }
}

/// The size of one run on either side of `deat bench peer`; `peer` passes it on to `peer-run`.
struct PeerRunOptions: ParsableArguments {
    @Option(help: "Epochs per run.") var epochs: Int = 3
    @Option(help: "Train on the first N training images.") var trainSubset: Int = 10_000
    @Option(help: "PGD-20 on the first N test points.") var n: Int = 1000
    @OptionGroup var data: FashionMNISTOption

    func validate() throws {
        guard epochs >= 1, trainSubset >= 1, n >= 1 else { throw ValidationError("--epochs, --train-subset and --n must be at least 1") }
    }

    func training(method: String, initial: String, work: String, seed: UInt64) -> PeerTraining {
        PeerTraining(
            method: method, initialWeights: URL(fileURLWithPath: initial), work: URL(fileURLWithPath: work), epochs: epochs,
            trainSubset: trainSubset, n: n, dataDirectory: data.directory, seed: seed)
    }
}
