// ThroughputBenchmark.swift: the deat side of `deat bench throughput`: images/s of one DEAT replay
// step and of one PGD attack step, deat's own code (Training's DEAT, Attacks' PGD) against the same
// eager loop in PyTorch (scripts/bench/throughput.py) on the same device, batch, layout and precision.
// Made for the GPU (PreActResNet-18, batch 128, CIFAR-shaped random data); it runs on the CPU too.
//
// A call is one minibatch: r DEAT replays (each one forward, one backward, a signed δ step and an SGD
// step, ε = 8/255, α = 10/255) or one PGD-K attack in eval mode (K input-gradient steps of 2/255,
// every iterate checked). Images/s counts batch × r or batch × K per call.
import Attacks
import Foundation
import Models
import NN
import Torch
import Training

public struct ThroughputBenchmark: Sendable {
    public enum Work: String, CaseIterable, Sendable { case deatReplay = "deat-replay", pgdStep = "pgd-step" }

    /// As given: preact-resnet18, small-cnn or wide-resnet-DEPTH-WIDEN.
    public var model: ModelKind
    public var batch: Int
    public var work: [Work]
    /// DEAT replays per call.
    public var replays: Int
    /// PGD steps per call.
    public var pgdSteps: Int
    /// Timed calls per round.
    public var iterations: Int
    /// Untimed warm-up calls per round (kernel selection, allocator growth).
    public var warmup: Int
    public var channelsLast = false
    /// bfloat16 autocast on both sides (else float32).
    public var bf16 = false
    /// deat's CPU 3×3 convolutions (PyTorch eager runs direct ones whatever this is).
    public var convolutions: ConvolutionAlgorithm = .direct

    public init(model: ModelKind, batch: Int, work: [Work], replays: Int, pgdSteps: Int, iterations: Int, warmup: Int) {
        (self.model, self.batch, self.work, self.replays) = (model, batch, work, replays)
        (self.pgdSteps, self.iterations, self.warmup) = (pgdSteps, iterations, warmup)
    }

    public static let peerScript = "throughput.py"

    /// The peer's arguments for the same work on `device` (PeerRunner adds --threads).
    public func peerArguments(device: String) -> [String] {
        ["--device", device, "--model", model.description, "--batch", "\(batch)", "--replays", "\(replays)", "--pgd-steps", "\(pgdSteps)",
         "--iters", "\(iterations)", "--warmup", "\(warmup)", "--work", work.map(\.rawValue).joined(separator: ",")]
            + (channelsLast ? ["--channels-last"] : []) + (bf16 ? ["--autocast", "bf16"] : [])
    }

    /// Median seconds per call of each work, from the peer's result.
    public func peerSeconds(_ result: PeerResult) throws -> [Work: Double] {
        var seconds: [Work: Double] = [:]
        for w in work { seconds[w] = try result.object(w.rawValue).double("seconds_per_call") }
        return seconds
    }

    /// Images one call of `work` processes: batch × r or batch × K.
    public func imagesPerCall(_ w: Work) -> Double { Double(batch * (w == .deatReplay ? replays : pgdSteps)) }

    /// Median seconds per call for each work, deat's code on `device`.
    public func measureDeat(device: Device) throws -> [Work: Double] {
        let kind = model
        let normalization: Normalization = kind == .smallCNN ? .fashionMNIST : .cifar10
        let side = kind == .smallCNN ? 28 : 32
        let network = try kind.build(normalization: normalization, device: device, generator: Generator(seed: 0))
        if channelsLast { try network.convert(to: .channelsLast) }
        let optimizer = try SGD(parameters: network.parameters(), learningRate: 0.01, momentum: 0.9, weightDecay: 5e-4)
        let gen = try Generator(seed: 1, device: device)
        var x = try Tensor.rand([batch, normalization.mean.count, side, side], device: device, generator: gen)
        if channelsLast { x = try x.to(memoryFormat: .channelsLast) }
        let y = try Tensor.randint(0, 10, shape: [batch], device: device, generator: gen)
        let inputScale = try Tensor(normalization.std, shape: [1, normalization.std.count, 1, 1], on: device)
        let epsilon = 8.0 / 255
        let method = DEAT(name: "deat-\(replays)", policy: .fixed(replays), stepSize: 10.0 / 255, startRadius: epsilon)
        let attack = PGD(epsilon: epsilon, stepSize: 2.0 / 255, steps: pgdSteps)
        let context = StepContext(model: network, optimizer: optimizer, inputScale: inputScale, epsilon: epsilon, epoch: 0, generator: gen)
        var result: [Work: Double] = [:]
        for w in work {
            let call: () throws -> Void = switch w {
            case .deatReplay: {
                network.train(true)
                _ = try method.step(images: x, labels: y, context: context)
            }
            case .pgdStep: { _ = try attack.perturb(model: network, images: x, labels: y, generator: gen) }
            }
            let body: () throws -> Void = bf16 ? { try Autocast.run(on: device, dtype: .bfloat16, call) } : call
            result[w] = try convolutions.run {
                try Timing.medianSeconds(iterations: iterations, warmup: warmup, device: device, body)
            }
        }
        return result
    }

    /// The official M+DEAT CIFAR-10 run (docs/methods.md §1.4): r = 1, 2, 2, 3 … 8 over 50 epochs, 246
    /// replay-epochs of 391 minibatches of 128, at about 24.9 s per replay-epoch on the authors' GPU.
    public static let referenceReplayEpochs = 246.0
    public static let referenceSecondsPerReplayEpoch = 24.9

    /// Seconds per CIFAR-10 replay-epoch (50,000 images) at `secondsPerCall` for a DEAT replay call.
    public func replayEpochSeconds(secondsPerCall: Double) -> Double {
        secondsPerCall / Double(replays) * (50_000 / Double(batch))
    }
}
