// DEAT.swift: Dynamic Efficient Adversarial Training (docs/methods.md §1.3). Each minibatch is
// replayed r times, FREE-style: every replay's single backward pass updates both δ (one signed
// step) and the weights (one SGD step); δ is carried across the replays of a minibatch and drawn
// afresh for the next one. r comes from the iteration policy: M+ (M+DEAT), linear (DEAT-d) or
// fixed (FREE-m, see Free.swift).
//
//   δ ~ U(−τ, τ); δ = clipBox(δ, x)
//   repeat r times:
//       L = CE(f(x + δ), y)               # train-mode BatchNorm
//       backward → g_θ, g_δ
//       δ = clipBox(clipEps(δ + α_r·sign(g_δ)), x)
//       SGD step on θ
//   magnitude = ‖g_δ(last replay) · σ‖₁       # fed to the M+ rule
//
// With `carries` (the ImageNet scripts, docs/methods.md §2.11) δ is not drawn: it is the previous
// minibatch's, zero at the start of training, and the input is clamped instead of δ, as those
// scripts do: x̃ = clamp(x + δ, 0, 1), δ = clipEps(δ + α·sign(g_δ)).
import NN
import Torch

/// Dynamic Efficient Adversarial Training: each minibatch is replayed r times, FREE-style, each
/// replay's one backward pass updating both δ and the weights; r comes from the ``IterationPolicy``
/// (M+ for M+DEAT, linear for DEAT-d, fixed for FREE-m).
public struct DEAT: TrainingMethod {
    public let name: String
    public var policy: IterationPolicy
    /// Base step α; the step used with r replays is α_r = max(ε/r, α).
    public let stepSize: Double
    public let start: PerturbationStart
    /// τ of the uniform start (the reference uses τ = ε).
    public let startRadius: Double
    /// Whether δ is carried from one minibatch to the next (StepContext.carried) instead of drawn.
    public var carries = false

    public init(name: String = "mplus-deat", policy: IterationPolicy, stepSize: Double, start: PerturbationStart = .uniform, startRadius: Double) {
        self.name = name
        self.policy = policy
        self.stepSize = stepSize
        self.start = start
        self.startRadius = startRadius
    }

    public var settings: [String: String] {
        ["policy": policy.description, "alpha": "\(stepSize)", "start": carries ? "carried" : start.rawValue, "start_radius": "\(startRadius)"]
    }

    public func step(images x: Tensor, labels y: Tensor, context c: StepContext) throws -> StepResult {
        if carries { return try carriedStep(images: x, labels: y, context: c) }
        let replays = max(policy.count(epoch: c.epoch), 1)
        let alpha = max(c.epsilon / Double(replays), stepSize)
        let box = try Box(around: x)
        var delta = try box.clip(initialPerturbation(start, like: x, radius: startRadius, generator: c.generator))
        var last: (loss: Tensor, logits: Tensor, gradient: Tensor)?
        for _ in 0..<replays {
            let d = try delta.detached().requiringGrad()
            let logits = try c.model(x + d)
            let loss = try F.crossEntropy(logits, target: y, labelSmoothing: c.labelSmoothing)
            try c.optimizer.zeroGrad()
            try loss.backward()
            let g = try d.grad ?? d.zerosLike()
            delta = try ascend(d, gradient: g, stepSize: alpha, epsilon: c.epsilon, box: box)
            try c.optimizer.step()
            last = (loss, logits, g)
        }
        let (loss, logits, gradient) = last!
        return try summarize(
            loss: loss, logits: logits, labels: y, magnitude: normalizedL1(gradient, inputScale: c.inputScale),
            forward: replays, backward: replays)
    }

    /// The replays with the carried δ: the input is clamped to [0, 1], δ only to the ε-ball, and
    /// the last δ goes back to the carrier for the next minibatch.
    private func carriedStep(images x: Tensor, labels y: Tensor, context c: StepContext) throws -> StepResult {
        guard let carrier = c.carried else { throw TrainingError("\(name) carries its perturbation, but the loop gave it none to carry") }
        let replays = max(policy.count(epoch: c.epoch), 1)
        let alpha = max(c.epsilon / Double(replays), stepSize)
        var delta = try carrier.rows(for: x)
        var last: (loss: Tensor, logits: Tensor, gradient: Tensor)?
        for _ in 0..<replays {
            let d = try delta.detached().requiringGrad()
            let logits = try c.model((x + d).clamped(min: 0, max: 1))
            let loss = try F.crossEntropy(logits, target: y, labelSmoothing: c.labelSmoothing)
            try c.optimizer.zeroGrad()
            try loss.backward()
            let g = try d.grad ?? d.zerosLike()
            delta = try d.detached().signStep(g, stepSize: alpha, epsilon: c.epsilon)
            try c.optimizer.step()
            last = (loss, logits, g)
        }
        try carrier.store(delta)
        guard let (loss, logits, gradient) = last else { throw TrainingError("\(name) ran no replay") }
        return try summarize(
            loss: loss, logits: logits, labels: y, magnitude: normalizedL1(gradient, inputScale: c.inputScale),
            forward: replays, backward: replays)
    }
}
