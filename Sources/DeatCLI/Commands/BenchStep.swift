// BenchStep.swift: `deat bench step` and `deat bench ops`: a training step and per-op overhead,
// deat against the same work in PyTorch (scripts/bench/step.py) on the same libtorch and thread
// count, rounds alternating deat and PyTorch, reported as a ratio (the figure that survives a shared
// machine). The measurements are Benchmarks.StepBenchmark and OpsBenchmark.
//
//   deat bench step                                          # SmallCNN, batch 128, 1×28×28
//   deat bench step --model preact-resnet18 --iters 5        # batch 128, 3×32×32
//   deat bench ops                                           # 10,000 one-element adds
import ArgumentParser
import Benchmarks
import DataFormats
import Foundation
import Torch

struct BenchStep: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "step",
        abstract: "Forward + backward + SGD step of a model on random data, deat vs PyTorch.",
        discussion: "small-cnn takes 1×28×28 images (Fashion-MNIST); the CIFAR models and the ImageNet ResNets take 3×32×32.")

    @OptionGroup var options: PeerOptions
    @OptionGroup var workload: WorkloadOptions<StepDefaults>

    func run() throws {
        let (model, batch) = (workload.model, workload.batch)
        let (deat, torch) = try options.compare(StepBenchmark(model: model, batch: batch, iterations: workload.iters, warmup: workload.warmup))
        print("\(model) train step, batch \(batch), \(options.threads) thread(s), \(Runtime.libtorchVersion), \(options.rounds) round(s)")
        printComparison(deat, torch) { String(format: "%8.2f ms/step  %9.0f img/s", $0 * 1e3, Double(batch) / $0) }
    }
}

struct BenchOps: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "ops", abstract: "Per-op overhead: tiny one-element adds, deat vs PyTorch.")

    @OptionGroup var options: PeerOptions
    @Option(help: "Adds per timing.") var count: Int = 10_000

    func validate() throws {
        guard count >= 1 else { throw ValidationError("--count must be at least 1") }
    }

    func run() throws {
        let (deat, torch) = try options.compare(OpsBenchmark(count: count))
        print("\(count) adds of 1-element tensors, \(options.threads) thread(s), \(Runtime.libtorchVersion)")
        printComparison(deat, torch) { String(format: "%8.3f µs/op", $0 * 1e6) }
    }
}
