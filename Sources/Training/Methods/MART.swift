// MART.swift: MART (Wang et al. 2020) and M+MART as the DEAT repository runs them
// (reference-methods.md §2): n signed CE steps from clipBox(x + 0.001·N(0, 1)), model in train
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
        let s = stepSize.value(epsilon: c.epsilon, steps: steps)
        let box = try Box(around: x)
        var delta = try box.clip(initialPerturbation(.smallNormal, like: x, radius: 0, generator: c.generator))
        var attackGradient: Tensor?
        for _ in 0..<steps {
            let d = try delta.detached().requiringGrad()
            let g = try grad(of: F.crossEntropy(c.model(x + d), target: y), wrt: d)
            delta = try ascend(d, gradient: g, stepSize: s, epsilon: c.epsilon, box: box)
            attackGradient = g
        }
        let final = try delta.detached().requiringGrad(magnitudeSource == .trainingLoss)
        let natural = try c.model(x)
        let adversarial = try c.model(x + final)
        let loss = try TrainingLoss.mart(naturalLogits: natural, adversarialLogits: adversarial, labels: y, beta: beta)
        try c.optimizer.zeroGrad()
        try loss.backward()
        try c.optimizer.step()
        let g = magnitudeSource == .trainingLoss ? try final.grad : attackGradient
        return try summarize(
            loss: loss, logits: adversarial, labels: y, magnitude: g.map { try normalizedL1($0, inputScale: c.inputScale) },
            forward: steps + 2, backward: steps + 1)
    }
}
