// StepBenchmark.swift: the deat side of `deat bench step` and `deat bench ops`, and what their
// PyTorch peer (scripts/bench/step.py) is asked to run: the same loop, same libtorch, same threads.
//
//   step: forward + backward + SGD step of a model on one random batch (small-cnn: 1×28×28,
//         the others 3×32×32), median seconds per step.
//   ops:  per-op overhead: best of 5 timings of `count` one-element adds, seconds per add.
import Foundation
import Models
import NN
import Torch

/// A training step on random data.
public struct StepBenchmark: PeerTimed, Sendable {
    /// As given: small-cnn, preact-resnet18, wide-resnet-DEPTH-WIDEN, resnet18 or resnet50.
    public var model: ModelKind
    public var batch: Int
    /// Timed steps per round (the median is kept).
    public var iterations: Int
    /// Untimed steps per round.
    public var warmup: Int

    public init(model: ModelKind, batch: Int = 128, iterations: Int = 30, warmup: Int = 5) {
        self.model = model
        self.batch = batch
        self.iterations = iterations
        self.warmup = warmup
    }

    /// The peer script and its arguments (PeerRunner adds --threads).
    public static let peerScript = "step.py"
    public var peerArguments: [String] {
        ["step", "--model", model.description, "--batch", String(batch), "--iters", String(iterations), "--warmup", String(warmup)]
    }

    /// Median seconds per step in deat.
    public func measureDeat() throws -> Double {
        let kind = model
        let normalization: Normalization = kind == .smallCNN ? .fashionMNIST : .cifar10
        let side = kind == .smallCNN ? 28 : 32
        let network = try kind.build(normalization: normalization, generator: Generator(seed: 0))
        let optimizer = try SGD(parameters: network.parameters(), learningRate: 0.01, momentum: 0.9)
        let gen = try Generator(seed: 1)
        let x = try Tensor.rand([batch, normalization.mean.count, side, side], generator: gen)
        let y = try Tensor.randint(0, 10, shape: [batch], generator: gen)
        return try Timing.medianSeconds(iterations: iterations, warmup: warmup) {
            let loss = try F.crossEntropy(network(x), target: y)
            try optimizer.zeroGrad()
            try loss.backward()
            try optimizer.step()
            _ = try loss.item()  // waits for the step, as the peer's `.item()` does
        }
    }

    /// Median seconds per step from the peer's result.
    public static func peerSeconds(_ result: PeerResult) throws -> Double { try result.double("seconds_per_step") }
}

/// Per-op overhead: one-element adds.
public struct OpsBenchmark: PeerTimed, Sendable {
    /// Adds per timing.
    public var count: Int

    public init(count: Int = 10_000) { self.count = count }

    public static let peerScript = "step.py"
    public var peerArguments: [String] { ["ops", "--count", String(count)] }

    /// Best-of-5 seconds per add, as the peer measures it.
    public func measureDeat() throws -> Double {
        let a = try Tensor.ones([1]), b = try Tensor.ones([1])
        for _ in 0..<1000 { _ = try a + b }
        var best = Double.infinity
        for _ in 0..<5 {
            let start = Timing.now()
            for _ in 0..<count { _ = try a + b }
            best = min(best, Timing.seconds(since: start) / Double(count))
        }
        return best
    }

    public static func peerSeconds(_ result: PeerResult) throws -> Double { try result.double("seconds_per_op") }
}
