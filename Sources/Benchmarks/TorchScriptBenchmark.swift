// TorchScriptBenchmark.swift: the deat side of `deat bench torchscript`: the same architecture as a
// built-in Swift model and as a TorchScript file (scripts/bench/export_torchscript.py scripts the
// reference PyTorch definition), timed on the two workloads deat spends its time in: a DEAT replay
// (forward, backward, the δ step and the SGD step) and a PGD-20 evaluation of one batch. The ratio
// TorchScript/built-in is the cost of running the graph through TorchScript's interpreter instead
// of deat's own calls into libtorch (docs/architecture.md §14).
import Attacks
import Foundation
import Models
import NN
import Torch
import Training

public struct TorchScriptBenchmark: Sendable {
    public var model: ModelKind
    /// A TorchScript file of the same architecture as `model`.
    public var file: URL
    public var batch: Int
    /// Timed calls per round and workload; the median is kept.
    public var iterations: Int
    public var warmup: Int
    /// Alternating rounds (built-in, then TorchScript, for each workload).
    public var rounds: Int

    public init(model: ModelKind, file: URL, batch: Int = 32, iterations: Int = 5, warmup: Int = 1, rounds: Int = 3) {
        (self.model, self.file, self.batch, self.iterations, self.warmup, self.rounds) = (model, file, batch, iterations, warmup, rounds)
    }

    /// One workload's median seconds per call, built-in and TorchScript.
    public struct Figure: Sendable {
        public let workload: String
        public let builtIn: Double
        public let scripted: Double
        public var ratio: Double { scripted / builtIn }
    }

    public func measure() throws -> [Figure] {
        let normalization: Normalization = model == .smallCNN ? .fashionMNIST : .cifar10
        let side = model == .smallCNN ? 28 : 32
        let builtIn = try model.build(normalization: normalization, generator: Generator(seed: 0))
        let scripted = try ScriptedModel(contentsOf: file)
        let gen = try Generator(seed: 1)
        let x = try Tensor.rand([batch, normalization.mean.count, side, side], generator: gen)
        let y = try Tensor.randint(0, 10, shape: [batch], generator: gen)
        guard try withNoGrad({ try scripted(x) }).shape == [batch, 10] else {
            throw TorchError("\(file.lastPathComponent) does not give [\(batch), 10] logits for \(model)'s input")
        }
        let epsilon = model == .smallCNN ? 0.1 : 8.0 / 255
        let workloads: [(String, (any Layer) throws -> () throws -> Void)] = [
            ("DEAT replay (fwd+bwd+δ+SGD)", { network in try Self.replay(network, x: x, y: y, epsilon: epsilon) }),
            ("PGD-20 on the batch", { network in try Self.pgd(network, x: x, y: y, epsilon: epsilon) }),
        ]
        return try workloads.map { name, make in
            let calls = (try make(builtIn), try make(scripted))
            var times: ([Double], [Double]) = ([], [])
            for _ in 0..<rounds {
                times.0.append(try Timing.medianSeconds(iterations: iterations, warmup: warmup, calls.0))
                times.1.append(try Timing.medianSeconds(iterations: iterations, warmup: warmup, calls.1))
            }
            return Figure(workload: name, builtIn: Timing.median(times.0), scripted: Timing.median(times.1))
        }
    }

    /// One DEAT replay per call: a one-replay DEAT step with deat's CIFAR step size.
    static func replay(_ network: any Layer, x: Tensor, y: Tensor, epsilon: Double) throws -> () throws -> Void {
        network.train()
        let optimizer = try SGD(parameters: network.parameters(), learningRate: 0.01, momentum: 0.9)
        let method = DEAT(policy: .fixed(1), stepSize: 1.25 * epsilon, startRadius: epsilon)
        let context = StepContext(
            model: network, optimizer: optimizer, inputScale: try Tensor.ones([1, 1, 1, 1]), epsilon: epsilon, epoch: 0,
            generator: try Generator(seed: 2))
        return { _ = try method.step(images: x, labels: y, context: context) }  // its result reads the loss: the step has finished
    }

    /// One PGD-20 (CE, step ε/4, random start) per call, in eval mode.
    static func pgd(_ network: any Layer, x: Tensor, y: Tensor, epsilon: Double) throws -> () throws -> Void {
        let attack = PGD(epsilon: epsilon, stepSize: epsilon / 4, steps: 20)
        let generator = try Generator(seed: 3)
        return { _ = try attack.perturb(model: network, images: x, labels: y, mode: .eval, generator: generator).sum().item() }
    }
}
