// GradAlign.swift: FGSM training with the gradient-alignment regulariser (Andriushchenko & Flammarion,
// NeurIPS 2020; tml-epfl/understanding-fast-adv-training train.py --attack fgsm --attack_init zero
// --grad_align_cos_lambda λ): the regulariser keeps the input gradient at x aligned with the one at a
// random point of the ε-ball, which is what keeps single-step training from catastrophic overfitting
// (docs/methods.md §2.8).
//
//   g₁ = ∇_δ CE(f(x + δ), y) at δ = 0                 # the FGSM gradient, detached
//   δ = clipBox(clipEps(α·sign(g₁)), x)               # α = 1.25ε, so δ = ε·sign(g₁) inside the box
//   η = clipBox(U(−ε, ε), x);  g₂ = ∇_η CE(f(x + η), y), differentiable (double backward)
//   reg = λ·(1 − mean_i cos(g₁ᵢ, g₂ᵢ)) over the examples where both are non-zero
//   SGD step on CE(f(x + δ), y) + reg
//
// Deviation: train.py does not clamp x + η to [0, 1]; deat does, so every input the model sees stays
// in the box. Three forward and three backward passes per minibatch; the last backward also runs the
// second-order term through g₂ (about one more backward pass of work, not counted separately).
import Foundation
import NN
import Torch

struct GradAlign: TrainingMethod {
    let name = "gradalign"
    var policy: IterationPolicy = .fixed(1)
    let stepSize: Double
    /// λ, the regulariser's weight.
    let lambda: Double

    var settings: [String: String] { ["alpha": "\(stepSize)", "start": "zero", "lambda": "\(lambda)"] }

    /// λ(1 − mean cos(g₁, g₂)) with g₂ the differentiable input gradient at x + `noise`.
    static func regularizer(model: any Layer, images x: Tensor, labels y: Tensor, firstGradient g1: Tensor, noise: Tensor, lambda: Double)
        throws -> Tensor
    {
        let eta = try noise.detached().requiringGrad()
        let g2 = try grad(of: F.crossEntropy(model(x + eta), target: y), wrt: eta, createGraph: true)
        let (a, b) = (try g1.detached().flattened(from: 1), try g2.flattened(from: 1))
        let (normA, normB) = (try a.squared().sum(dims: [1]).sqrt(), try b.squared().sum(dims: [1]).sqrt())
        // train.py keeps only the examples where both gradients are non-zero (no division by zero).
        let kept = try normA.ne(0).logicalAnd(normB.ne(0))
        let safe = { (n: Tensor) throws -> Tensor in try Tensor.where(kept, n, n.onesLike()) }
        let cos = try (a * b).sum(dims: [1]) / (safe(normA) * safe(normB))
        let keptCount = try kept.sum(dtype: .float32).clamped(min: 1)
        let meanCos = try Tensor.where(kept, cos, cos.zerosLike()).sum() / keptCount
        return try (1 - meanCos) * lambda
    }

    func step(images x: Tensor, labels y: Tensor, context c: StepContext) throws -> StepResult {
        let box = try Box(around: x)
        let start = try x.zerosLike().requiringGrad()
        let g = try grad(of: F.crossEntropy(c.model(x + start), target: y), wrt: start)
        let delta = try ascend(start, gradient: g, stepSize: stepSize, epsilon: c.epsilon, box: box)
        let noise = try box.clip(initialPerturbation(.uniform, like: x, radius: c.epsilon, generator: c.generator))
        return try trainOnPerturbation(delta, attackGradient: g, source: .lastAttackStep, labels: y, context: c, passes: (3, 3)) { d in
            // train.py's order: the training forward, then the regulariser's.
            let (loss, logits) = try PGDObjective().trainingLoss(model: c.model, images: x, labels: y, delta: d, labelSmoothing: c.labelSmoothing)
            let reg = try Self.regularizer(model: c.model, images: x, labels: y, firstGradient: g, noise: noise, lambda: lambda)
            return (try loss + reg, logits)
        }
    }

    /// λ for ε on CIFAR as the paper's runs set it (sh/exps_diff_eps_cifar10.sh, ε = 1/255 … 16/255):
    /// 0.2 at 8/255, ×4/3 per 1/255, rounded to 3 decimals; between and beyond, 0.2·(4/3)^(255ε − 8).
    static func cifarLambda(epsilon: Double) -> Double {
        let table = [0.027, 0.036, 0.047, 0.063, 0.084, 0.112, 0.150, 0.200, 0.267, 0.356, 0.474, 0.632, 0.843, 1.124, 1.500, 2.000]
        let steps = 255 * epsilon
        if abs(steps - steps.rounded()) < 1e-9, let i = Int(exactly: steps.rounded()), (1...16).contains(i) { return table[i - 1] }
        return 0.2 * pow(4.0 / 3.0, steps - 8)
    }
}
