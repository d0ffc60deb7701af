// BenchTorchScript.swift: `deat bench torchscript`: one architecture as a built-in Swift model and
// as a TorchScript file, timed on a DEAT replay and a PGD-20 evaluation (Benchmarks.
// TorchScriptBenchmark), reported as the ratio TorchScript/built-in. Without --model-file the file
// is the reference PyTorch definition scripted by scripts/bench/export_torchscript.py.
//
//   deat bench torchscript                                   # PreActResNet-18, batch 32
//   deat bench torchscript --model small-cnn --batch 128
import ArgumentParser
import Benchmarks
import Foundation
import Models
import Torch

struct BenchTorchScript: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "torchscript",
        abstract: "A built-in model against the same architecture as a TorchScript file: a DEAT replay and PGD-20, time ratio.")

    @Option(help: "Model: small-cnn, preact-resnet18 or wide-resnet-DEPTH-WIDEN.", transform: ModelKind.init(name:)) var model: ModelKind = .preActResNet18
    @Option(help: ArgumentHelp("A TorchScript file of the same architecture (default: the reference PyTorch definition, scripted by the peer).", valueName: "file.pt")) var modelFile: String?
    @Option(help: "Batch size.") var batch: Int = 32
    @Option(help: "Timed calls per round and workload; the median is kept.") var iters: Int = 5
    @Option(help: "Untimed warm-up calls per round.") var warmup: Int = 1
    @OptionGroup var options: PeerOptions

    func validate() throws {
        guard batch >= 1, iters >= 1, warmup >= 0 else { throw ValidationError("--batch and --iters must be at least 1, --warmup at least 0") }
        if model.isTorchScript { throw ValidationError("--model names a built-in model; the TorchScript file goes in --model-file") }
    }

    func run() throws {
        let runner = options.runner()
        let scratch = FileManager.default.temporaryDirectory.appendingPathComponent("deat-bench-torchscript-\(UUID().uuidString)")
        defer { try? FileManager.default.removeItem(at: scratch) }
        let file: URL
        if let modelFile {
            file = URL(fileURLWithPath: modelFile)
        } else {
            try FileManager.default.createDirectory(at: scratch, withIntermediateDirectories: true)
            file = scratch.appendingPathComponent("\(model).pt")
            _ = try runner.run("export_torchscript.py", ["--model", model.description, "--out", file.path])
        }
        let bench = TorchScriptBenchmark(model: model, file: file, batch: batch, iterations: iters, warmup: warmup, rounds: options.rounds)
        print("\(model) built in vs TorchScript (\(file.lastPathComponent)), batch \(batch), \(options.threads) thread(s), \(Runtime.libtorchVersion), \(options.rounds) round(s)")
        for figure in try bench.measure() {
            printRow(figure.workload, String(format: "built-in %9.2f ms   TorchScript %9.2f ms   ratio %.3f", figure.builtIn * 1e3, figure.scripted * 1e3, figure.ratio))
        }
    }
}
