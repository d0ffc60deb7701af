// MART.swift: MART (Wang et al. 2020) and M+MART as the DEAT repository runs them
// (docs/methods.md §2): n signed CE steps from clipBox(x + 0.001·N(0, 1)), model in train
// mode, then the misclassification-aware loss of TrainingLoss.mart with β (the step itself is
// AttackStepMethod's, AttackSteps.swift).
import NN
import Torch

/// The attack ascends CE at x + δ; the update is TrainingLoss.mart with β.
struct MARTObjective: RegularizedObjective {
    static let defaultName = "mart"
    /// f(x + δ) per attack step; f(x) and f(x + δ) for the update.
    static let forwardPasses = (perAttackStep: 1, training: 2)
    let beta: Double

    func attackLoss(model: any Layer, images x: Tensor, labels y: Tensor, delta d: Tensor) throws -> Tensor {
        try F.crossEntropy(model(x + d), target: y)
    }

    func trainingLoss(
        model: any Layer, images x: Tensor, labels y: Tensor, delta d: Tensor, labelSmoothing: Double
    ) throws -> (loss: Tensor, logits: Tensor) {
        // mart.py's order (natural first): it fixes how BatchNorm's running statistics move.
        let natural = try model(x)
        let adversarial = try model(x + d)
        let loss = try TrainingLoss.mart(naturalLogits: natural, adversarialLogits: adversarial, labels: y, beta: beta, labelSmoothing: labelSmoothing)
        return (loss, adversarial)
    }
}
