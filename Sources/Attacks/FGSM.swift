// FGSM.swift: the single-step attacks of docs/attacks.md §3: FGSM (Goodfellow et al.) and FGSM-RS
// (FGSM from a uniform random start, Wong, Rice & Kolter 2020). Training attacks and sanity
// checks (§13.7 item 6), never a robustness claim.
import NN
import Torch

/// x' = clamp(x + ε·sign(∇ₓ CE(f(x), y)), 0, 1).
public struct FGSM: Attack {
    /// The radius ε, in pixel units.
    public var epsilon: Double

    /// FGSM with radius `epsilon`.
    public init(epsilon: Double) {
        self.epsilon = epsilon
    }

    public var name: String { "fgsm" }
    public var parameters: [String: String] { ["norm": "Linf", "epsilon": "\(epsilon)", "loss": "ce"] }

    public func perturb(model: any Layer, images: Tensor, labels: Tensor, mode: ModelMode, generator: Generator) throws -> Tensor {
        try validateBatch(images: images, labels: labels)
        return try model.withMode(mode) {
            let x = try images.detached()
            let g = try lossAndGradient(model: model, at: x) { try Losses.crossEntropy($0, labels: labels) }.gradient
            return try withNoGrad { try (x + g.sign() * epsilon).clamped(min: 0, max: 1) }
        }
    }
}

/// FGSM-RS: δ₀ ~ U[−ε, ε] (kept inside the box), one step of α·sign(∇) from x + δ₀, then δ is
/// clamped back to [−ε, ε] and the box. Default α = 1.25ε (the paper's setting; 10/255 at 8/255).
struct FGSMRS: Attack {
    var epsilon: Double
    var stepSize: Double

    init(epsilon: Double, stepSize: Double? = nil) {
        self.epsilon = epsilon
        self.stepSize = stepSize ?? 1.25 * epsilon
    }

    var name: String { "fgsm-rs" }
    var parameters: [String: String] {
        ["norm": "Linf", "epsilon": "\(epsilon)", "step_size": "\(stepSize)", "loss": "ce", "random_start": "true"]
    }

    func perturb(model: any Layer, images: Tensor, labels: Tensor, mode: ModelMode, generator: Generator) throws -> Tensor {
        try validateBatch(images: images, labels: labels)
        return try model.withMode(mode) {
            let x = try images.detached()
            let box = try LinfBox(around: x, epsilon: epsilon)
            let noise = try uniform(x.shape, low: -epsilon, high: epsilon, device: x.device, generator: generator)
            let start = try box.project(x + noise)
            let g = try lossAndGradient(model: model, at: start) { try Losses.crossEntropy($0, labels: labels) }.gradient
            // clamp(δ, −ε, ε) followed by clamp(x + δ, 0, 1) is the single clamp into the box (§1).
            return try withNoGrad { try start.signStep(g, stepSize: stepSize, low: box.lower, high: box.upper) }
        }
    }
}
