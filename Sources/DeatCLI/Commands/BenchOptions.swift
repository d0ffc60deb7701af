// BenchOptions.swift: the option groups the `deat bench` subcommands share, and their one way of
// printing a deat-vs-PyTorch figure. Every subcommand with a PyTorch peer runs it through
// Benchmarks.PeerRunner, built here from --python, --peers and the thread count.
import ArgumentParser
import Benchmarks
import DataFormats
import Datasets
import Foundation
import Models
import Torch

/// Where the PyTorch peer comes from: every bench subcommand that has one.
struct PeerScriptOptions: ParsableArguments {
    @Option(help: "Python interpreter whose torch is the peer (Debian's python3-torch; on a GPU machine, the CUDA PyTorch's).") var python: String = PeerRunner.defaultPython
    @Option(help: "Directory of the PyTorch peer scripts.") var peers: String = PeerRunner.defaultDirectory

    func runner(threads: Int) -> PeerRunner { PeerRunner(python: python, directory: peers, threads: threads) }
}

/// Threads, rounds and the peer: the whole of what `deat bench step`, `ops` and `attacks` share.
/// (`throughput` and `peer` take threads, device and seed from RuntimeOptions instead.)
struct PeerOptions: ParsableArguments {
    @Option(help: "libtorch intra-op threads, set identically in deat and PyTorch (default: all cores).") var threads: Int = ProcessInfo.processInfo.activeProcessorCount
    @Option(help: "Alternating rounds (deat then PyTorch); the median of each side is reported.") var rounds: Int = 3
    @OptionGroup var peer: PeerScriptOptions
    @OptionGroup var log: LogOptions

    func validate() throws {
        for (name, value) in [("--threads", threads), ("--rounds", rounds)] where value < 1 {
            throw ValidationError("\(name) must be at least 1")
        }
    }

    /// The runner for this thread count; also sets deat's own thread count to it.
    func runner() -> PeerRunner {
        log.bootstrap()
        Runtime.threads = threads
        Diagnostics.log.debug("\(Runtime.libtorchVersion), \(Runtime.threads) intra-op thread(s), device cpu")
        return peer.runner(threads: threads)
    }

    /// deat's and the peer's medians over the alternating rounds of `bench`.
    func compare<B: PeerTimed>(_ bench: B) throws -> (deat: Double, peer: Double) {
        try runner().compare(bench, rounds: rounds)
    }
}

/// The defaults of one bench that times a workload over and over.
protocol WorkloadDefaults {
    static var model: ModelKind { get }
    static var iterations: Int { get }
    static var warmup: Int { get }
}

enum StepDefaults: WorkloadDefaults {
    static let model = ModelKind.smallCNN, iterations = 30, warmup = 5
}

enum ThroughputDefaults: WorkloadDefaults {
    static let model = ModelKind.preActResNet18, iterations = 10, warmup = 2
}

/// The workload of `deat bench step` and `deat bench throughput`: model, batch, timed and warm-up calls.
struct WorkloadOptions<Defaults: WorkloadDefaults>: ParsableArguments {
    @Option(help: "Model: small-cnn, preact-resnet18, wide-resnet-DEPTH-WIDEN, resnet18 or resnet50 (default: \(Defaults.model)).", transform: ModelKind.init(name:)) var model: ModelKind = Defaults.model
    @Option(help: "Batch size.") var batch: Int = 128
    @Option(help: "Timed calls (steps, for step) per round; the median is kept.") var iters: Int = Defaults.iterations
    @Option(help: "Untimed warm-up calls per round (kernel selection, allocator growth).") var warmup: Int = Defaults.warmup

    func validate() throws {
        guard batch >= 1, iters >= 1, warmup >= 0 else { throw ValidationError("--batch and --iters must be at least 1, --warmup at least 0") }
    }
}

/// The Fashion-MNIST files of the benches that read real data.
struct FashionMNISTOption: ParsableArguments {
    @Option(name: .customLong("data-dir"), help: "Directory with the Fashion-MNIST IDX files.") var directory: String = DatasetName.fashionMNIST.defaultDirectory ?? "."
}

/// One line of a comparison: the label in a 34-character column, then the figures.
func printRow(_ label: String, _ value: String) {
    print(label.padding(toLength: 34, withPad: " ", startingAt: 0) + value)
}

/// deat's and PyTorch's figure, each written by `format`, and their time ratio.
func printComparison(_ deat: Double, _ torch: Double, format: (Double) -> String) {
    printRow("deat (Swift)", format(deat))
    printRow("PyTorch (Python)", format(torch))
    printRow("ratio deat/PyTorch (time)", String(format: "%8.3f", deat / torch))
}
