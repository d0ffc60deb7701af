// SanityChecks.swift: the automated warnings of docs/attacks.md §10.4 and §13.7: randomised model,
// softmax outputs, model handed over in train mode, zero/NaN input gradients, Square beating the
// white-box attacks, and an ε-sweep that must be monotone and reach 0% at a large ε.
import Attacks
import NN
import Torch

/// One warning for the report; `name` is stable, `message` says what was seen.
public struct SanityFlag: Codable, Sendable, Equatable {
    public let name: String
    public let message: String
    public init(_ name: String, _ message: String) {
        self.name = name
        self.message = message
    }
}

/// Automated warnings for an evaluation: a randomised model, softmax outputs, zero or NaN input
/// gradients, Square beating the white-box attacks, and an ε-sweep that is not monotone.
public enum SanityChecks {
    /// AA check 1: two eval-mode forward passes of the same batch must agree (L2-normalised
    /// logits within 1e-4, same predictions); otherwise the model is randomised and needs EOT.
    public static func stochasticModel(_ model: any Layer, images: Tensor) throws -> SanityFlag? {
        try model.withMode(.eval) {
            try withNoGrad {
                let a = try model(images), b = try model(images)
                let na = try a / (a.norm(p: 2, dims: [1], keepDims: true) + 1e-12)
                let nb = try b / (b.norm(p: 2, dims: [1], keepDims: true) + 1e-12)
                let gap = try (na - nb).abs().max().item()
                let flips = try a.argmax(dim: 1).ne(b.argmax(dim: 1)).sum().item()
                guard gap > 1e-4 || flips > 0 else { return nil }
                return SanityFlag("randomized-model", "two forward passes of the same images differ (max |Δ| of normalised logits \(gap), \(Int(flips)) predictions changed): the model is stochastic; white-box numbers need EOT")
            }
        }
    }

    /// AA check 2: outputs in [0, 1] whose rows sum to 1 are probabilities, not logits.
    public static func softmaxOutputs(_ model: any Layer, images: Tensor) throws -> SanityFlag? {
        try model.withMode(.eval) {
            try withNoGrad {
                let z = try model(images).to(dtype: .float64)
                let inRange = try z.min().item() >= 0 && z.max().item() <= 1
                let sumsToOne = try (z.sum(dims: [1]) - 1.0).abs().max().item() <= 1e-5
                guard inRange && sumsToOne else { return nil }
                return SanityFlag("softmax-output", "the model returns probabilities (outputs in [0, 1], rows sum to 1); attacks need logits")
            }
        }
    }

    /// AA check 3 / §13.7 item 9: points whose input gradient of the DLR loss (CE with < 3
    /// classes) is exactly zero, NaN or Inf at the clean input.
    public static func zeroGradients(_ model: any Layer, images: Tensor, labels: Tensor) throws -> SanityFlag? {
        try model.withMode(.eval) {
            let g = try withGrad {
                let x = try images.detached().requiringGrad()
                let z = try model(x)
                let loss = z.shape[1] >= 3 ? try Losses.dlr(z, labels: labels) : try Losses.crossEntropy(z, labels: labels)
                return try grad(of: loss.sum(), wrt: x).flattened(from: 1)
            }
            let zero = try g.abs().max(dims: [1]).eq(0.0).sum().item()
            let bad = try g.isFinite().logicalNot().to(dtype: .uint8).max(dims: [1]).sum().item()
            guard zero > 0 || bad > 0 else { return nil }
            return SanityFlag("zero-gradient", "\(Int(zero)) of \(images.shape[0]) points have an all-zero input gradient and \(Int(bad)) a NaN/Inf one: gradient masking or a non-differentiable model; trust only the black-box (Square) stage")
        }
    }

    /// AA check 4: Square breaking more than 0.2 percentage points of N after the white-box
    /// attacks suggests gradient masking.
    public static func squareBeatsWhiteBox(_ result: EvaluationResult) -> SanityFlag? {
        guard let square = result.attacks.last(where: { $0.name == "square" }),
            result.attacks.contains(where: { $0.name != "square" })
        else { return nil }
        let drop = Double(square.broken) / Double(max(result.n, 1)) * 100
        guard drop > 0.2 else { return nil }
        return SanityFlag("square-beats-white-box", String(format: "Square broke %d points (%.2f pp) that every white-box attack missed: suspect gradient masking", square.broken, drop))
    }

    /// §13.7 items 3–4: robust accuracy under `attack(ε)` over `epsilons`; flags a rise with ε
    /// and a non-zero accuracy at the largest ε when that ε ≥ 0.5 (the whole box is reachable).
    public static func epsilonSweep(
        _ model: any Layer, images: Tensor, labels: Tensor, epsilons: [Double], seed: UInt64 = 0,
        attack: (Double) -> any Attack
    ) throws -> (points: [(epsilon: Double, robustAccuracy: Double)], flags: [SanityFlag]) {
        var points: [(epsilon: Double, robustAccuracy: Double)] = []
        for eps in epsilons {
            let evaluator = RobustnessEvaluator(model: model, attacks: eps > 0 ? [attack(eps)] : [], epsilon: eps, batchSize: images.shape[0], seed: seed)
            points.append((eps, try evaluator.run(images: images, labels: labels).robustAccuracy))
        }
        var flags: [SanityFlag] = []
        for (a, b) in zip(points, points.dropFirst()) where b.robustAccuracy > a.robustAccuracy {
            flags.append(SanityFlag("eps-sweep-not-monotone", String(format: "robust accuracy rises from %.2f%% at ε = %.4g to %.2f%% at ε = %.4g", a.robustAccuracy * 100, a.epsilon, b.robustAccuracy * 100, b.epsilon)))
        }
        if let last = points.last, last.epsilon >= 0.5, last.robustAccuracy > 0 {
            flags.append(SanityFlag("large-eps-not-zero", String(format: "robust accuracy is still %.2f%% at ε = %.4g, where every point should be broken: suspect gradient masking", last.robustAccuracy * 100, last.epsilon)))
        }
        return (points, flags)
    }
}
