// TRADES.swift: TRADES (Zhang et al. 2019) and M+TRADES as the DEAT repository runs them
// (docs/methods.md §2): n signed steps ascending KL(f(x) ‖ f(x + δ)) from x + 0.001·N(0, 1),
// natural logits recomputed at every step, model in train mode; then
//   L = CE(f(x), y) + β · KL_sum(f(x) ‖ f(x + δ)) / B.
// Like trades.py, the outer loss runs f(x) twice (once for CE, once for the KL target): three
// forward passes, which also moves BatchNorm's running statistics as the reference does.
// trades.py does not clip the start, so its first step may see pixels 0.001 outside [0, 1]; deat
// keeps every input admissible (the step itself is AttackStepMethod's, AttackSteps.swift).
import NN
import Torch

/// The attack ascends KL_sum(f(x) ‖ f(x + δ)); the update is CE at x plus β times the batch-mean KL.
struct TRADESObjective: RegularizedObjective {
    static let defaultName = "trades"
    /// f(x + δ) and f(x) per attack step; f(x), f(x + δ) and f(x) again for the update.
    static let forwardPasses = (perAttackStep: 2, training: 3)
    let beta: Double

    func attackLoss(model: any Layer, images x: Tensor, labels y: Tensor, delta d: Tensor) throws -> Tensor {
        try TrainingLoss.klSum(adversarialLogits: model(x + d), naturalLogits: model(x))
    }

    func trainingLoss(
        model: any Layer, images x: Tensor, labels y: Tensor, delta d: Tensor, labelSmoothing: Double
    ) throws -> (loss: Tensor, logits: Tensor) {
        let natural = try model(x)
        let adversarial = try model(x + d)
        let robust = try TrainingLoss.klSum(adversarialLogits: adversarial, naturalLogits: model(x)) * (beta / Double(y.shape[0]))
        return (try F.crossEntropy(natural, target: y, labelSmoothing: labelSmoothing) + robust, adversarial)
    }
}
