// AttackSteps.swift: what the methods whose inner maximisation is a number of attack steps (PGD-AT,
// TRADES, MART and their M+ versions) share: step-size rule, magnitude source, the ascent loop and
// the outer update with its accounting.
import Torch

/// The step size of each inner attack step.
public enum StepSizeRule: Codable, Sendable, Equatable, CustomStringConvertible {
    /// Always α.
    case fixed(Double)
    /// max(ε/n, α) with n attack steps: M+PGD at the reference's HEAD (docs/methods.md §2.2).
    case epsilonOverStepsAtLeast(Double)

    func value(epsilon: Double, steps: Int) -> Double {
        switch self {
        case .fixed(let alpha): alpha
        case .epsilonOverStepsAtLeast(let alpha): steps > 0 ? max(epsilon / Double(steps), alpha) : alpha
        }
    }

    public var description: String {
        switch self {
        case .fixed(let alpha): "\(alpha)"
        case .epsilonOverStepsAtLeast(let alpha): "max(eps/n, \(alpha))"
        }
    }
}

/// Which input gradient the M+ rule sums (docs/methods.md §2.2 "which gradient", §7).
public enum MagnitudeSource: String, Codable, Sendable, CaseIterable {
    /// The attack loss's gradient at the last attack iteration (the 2021 Table-1 runs; default).
    case lastAttackStep = "last-attack-step"
    /// The training loss's gradient w.r.t. δ at the final adversarial point (the reference's HEAD).
    case trainingLoss = "training-loss"
}

/// The inner maximisation shared by PGD-AT, TRADES and MART: `steps` signed ascent steps on
/// `loss(δ)` from `start`, each followed by the ε-ball then the box (the reference order). Returns the
/// final δ and the gradient of the last step (nil when no step ran: M+ methods in epoch 0).
func maximize(
    from start: Tensor, steps: Int, stepSize: Double, epsilon: Double, box: Box, loss: (Tensor) throws -> Tensor
) throws -> (delta: Tensor, lastGradient: Tensor?) {
    var delta = start
    var lastGradient: Tensor?
    for _ in 0..<steps {
        let d = try delta.detached().requiringGrad()
        let g = try grad(of: loss(d), wrt: d)
        delta = try ascend(d, gradient: g, stepSize: stepSize, epsilon: epsilon, box: box)
        lastGradient = g
    }
    return (delta, lastGradient)
}

/// The outer step shared by PGD-AT, TRADES and MART: the training loss at the final δ, one SGD
/// update, and the accounting, with the M+ magnitude taken from the selected gradient.
func trainOnPerturbation(
    _ delta: Tensor, attackGradient: Tensor?, source: MagnitudeSource, labels: Tensor, context c: StepContext,
    passes: (forward: Int, backward: Int), loss makeLoss: (Tensor) throws -> (loss: Tensor, logits: Tensor)
) throws -> StepResult {
    let final = try delta.detached().requiringGrad(source == .trainingLoss)
    let (loss, logits) = try makeLoss(final)
    try c.optimizer.zeroGrad()
    try loss.backward()
    try c.optimizer.step()
    let gradient = source == .trainingLoss ? try final.grad : attackGradient
    return try summarize(
        loss: loss, logits: logits, labels: labels, magnitude: gradient.map { try normalizedL1($0, inputScale: c.inputScale) },
        forward: passes.forward, backward: passes.backward)
}
