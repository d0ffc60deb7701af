// MART.swift: MART (Wang et al. 2020) and M+MART as the DEAT repository runs them
// (docs/methods.md §2): n signed CE steps from clipBox(x + 0.001·N(0, 1)), model in train
// mode, then the misclassification-aware loss of TrainingLoss.mart with β.
import NN
import Torch

public struct MART: TrainingMethod {
    public let name: String
    public var policy: IterationPolicy
    public let stepSize: StepSizeRule
    public let beta: Double
    public let magnitudeSource: MagnitudeSource

    public init(
        name: String = "mart", policy: IterationPolicy, stepSize: StepSizeRule, beta: Double = 6,
        magnitudeSource: MagnitudeSource = .lastAttackStep
    ) {
        self.name = name
        self.policy = policy
        self.stepSize = stepSize
        self.beta = beta
        self.magnitudeSource = magnitudeSource
    }

    public var settings: [String: String] {
        ["policy": policy.description, "step_size": stepSize.description, "beta": "\(beta)", "magnitude": magnitudeSource.rawValue]
    }

    public func step(images x: Tensor, labels y: Tensor, context c: StepContext) throws -> StepResult {
        let steps = policy.count(epoch: c.epoch)
        let box = try Box(around: x)
        let start = try box.clip(initialPerturbation(.smallNormal, like: x, radius: 0, generator: c.generator))
        let (delta, attackGradient) = try maximize(
            from: start, steps: steps, stepSize: stepSize.value(epsilon: c.epsilon, steps: steps), epsilon: c.epsilon, box: box
        ) { d in try F.crossEntropy(c.model(x + d), target: y) }
        return try trainOnPerturbation(
            delta, attackGradient: attackGradient, source: magnitudeSource, labels: y, context: c, passes: (steps + 2, steps + 1)
        ) { d in
            // mart.py's order (natural first): it fixes how BatchNorm's running statistics move.
            let natural = try c.model(x)
            let adversarial = try c.model(x + d)
            return (try TrainingLoss.mart(naturalLogits: natural, adversarialLogits: adversarial, labels: y, beta: beta), adversarial)
        }
    }
}
