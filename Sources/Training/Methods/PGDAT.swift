// PGDAT.swift: PGD adversarial training (Madry et al.) and M+PGD (docs/methods.md §2, §2.2):
// n signed steps on CE from a uniform start, then one weight update at the adversarial point.
// The model stays in train mode during the attack, as in the reference runs.
//
//   δ ~ U(−ε, ε); δ = clipBox(δ, x)
//   repeat n times:  δ = clipBox(clipEps(δ + s·sign(∇_δ CE(f(x + δ), y))), x)
//   SGD step on CE(f(x + δ), y)
import NN
import Torch

public struct PGDAT: TrainingMethod {
    public let name: String
    public var policy: IterationPolicy
    public let stepSize: StepSizeRule
    public let magnitudeSource: MagnitudeSource

    public init(
        name: String = "pgd", policy: IterationPolicy, stepSize: StepSizeRule, magnitudeSource: MagnitudeSource = .lastAttackStep
    ) {
        self.name = name
        self.policy = policy
        self.stepSize = stepSize
        self.magnitudeSource = magnitudeSource
    }

    public var settings: [String: String] {
        ["policy": policy.description, "step_size": stepSize.description, "magnitude": magnitudeSource.rawValue]
    }

    public func step(images x: Tensor, labels y: Tensor, context c: StepContext) throws -> StepResult {
        let steps = policy.count(epoch: c.epoch)
        let box = try Box(around: x)
        // The 2021 PGD-7 run skipped this clamp, so its first attack step saw pixels outside [0, 1];
        // deat keeps every input admissible (M+PGD's reference code clamps here too).
        let start = try box.clip(initialPerturbation(.uniform, like: x, radius: c.epsilon, generator: c.generator))
        let (delta, attackGradient) = try maximize(
            from: start, steps: steps, stepSize: stepSize.value(epsilon: c.epsilon, steps: steps), epsilon: c.epsilon, box: box
        ) { d in try F.crossEntropy(c.model(x + d), target: y) }
        return try trainOnPerturbation(
            delta, attackGradient: attackGradient, source: magnitudeSource, labels: y, context: c, passes: (steps + 1, steps + 1)
        ) { d in
            let logits = try c.model(x + d)
            return (try F.crossEntropy(logits, target: y), logits)
        }
    }
}
