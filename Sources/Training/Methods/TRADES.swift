// TRADES.swift: TRADES (Zhang et al. 2019) and M+TRADES as the DEAT repository runs them
// (docs/methods.md §2): n signed steps ascending KL(f(x) ‖ f(x + δ)) from x + 0.001·N(0, 1),
// natural logits recomputed at every step, model in train mode; then
//   L = CE(f(x), y) + β · KL_sum(f(x) ‖ f(x + δ)) / B.
// Like trades.py, the outer loss runs f(x) twice (once for CE, once for the KL target): three
// forward passes, which also moves BatchNorm's running statistics as the reference does.
import NN
import Torch

public struct TRADES: TrainingMethod {
    public let name: String
    public var policy: IterationPolicy
    public let stepSize: StepSizeRule
    public let beta: Double
    public let magnitudeSource: MagnitudeSource

    public init(
        name: String = "trades", policy: IterationPolicy, stepSize: StepSizeRule, beta: Double = 6,
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
        // trades.py does not clamp the start, so its first step may see pixels 0.001 outside [0, 1];
        // deat keeps every input admissible.
        let start = try box.clip(initialPerturbation(.smallNormal, like: x, radius: 0, generator: c.generator))
        let (delta, attackGradient) = try maximize(
            from: start, steps: steps, stepSize: stepSize.value(epsilon: c.epsilon, steps: steps), epsilon: c.epsilon, box: box
        ) { d in try TrainingLoss.klSum(adversarialLogits: c.model(x + d), naturalLogits: c.model(x)) }
        return try trainOnPerturbation(
            delta, attackGradient: attackGradient, source: magnitudeSource, labels: y, context: c,
            passes: (2 * steps + 3, steps + 1)
        ) { d in
            let natural = try c.model(x)
            let adversarial = try c.model(x + d)
            let robust = try TrainingLoss.klSum(adversarialLogits: adversarial, naturalLogits: c.model(x)) * (beta / Double(y.shape[0]))
            return (try F.crossEntropy(natural, target: y) + robust, adversarial)
        }
    }
}
