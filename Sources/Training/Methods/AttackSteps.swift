// AttackSteps.swift: what the methods whose inner maximisation is a number of attack steps (PGD-AT,
// TRADES, MART and their M+ versions) share: step-size rule, magnitude source, the ascent loop, the
// outer update with its accounting, and the method itself, `AttackStepMethod`, of which each of
// them is one objective (PGDAT.swift, TRADES.swift, MART.swift).
import NN
import Torch

/// The step size of each inner attack step.
enum StepSizeRule: Codable, Sendable, Equatable, CustomStringConvertible {
    /// Always α.
    case fixed(Double)
    /// max(ε/n, α) with n attack steps: M+PGD at the reference's HEAD (docs/methods.md §2.2).
    case epsilonOverStepsAtLeast(Double)
    /// τ/n with n attack steps: Amata's total step length τ split over the epoch's steps.
    case totalOverSteps(Double)

    func value(epsilon: Double, steps: Int) -> Double {
        switch self {
        case .fixed(let alpha): alpha
        case .epsilonOverStepsAtLeast(let alpha): steps > 0 ? max(epsilon / Double(steps), alpha) : alpha
        case .totalOverSteps(let tau): steps > 0 ? tau / Double(steps) : tau
        }
    }

    var description: String {
        switch self {
        case .fixed(let alpha): "\(alpha)"
        case .epsilonOverStepsAtLeast(let alpha): "max(eps/n, \(alpha))"
        case .totalOverSteps(let tau): "\(tau)/n"
        }
    }
}

/// Which input gradient the M+ rule sums, and with it which reference run M+PGD/M+TRADES/M+MART
/// reproduce (docs/methods.md §2.2 "which gradient", §7).
public enum MagnitudeSource: String, Codable, Sendable, CaseIterable {
    /// The attack loss's gradient at the last attack iteration, with the n·α < ε clause: the 2021
    /// Table-1 runs (default).
    case lastAttackStep = "last-attack-step"
    /// The training loss's gradient w.r.t. δ at the final adversarial point, without the clause:
    /// the reference's latest code (HEAD).
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

/// What PGD-AT, TRADES and MART differ in, inside the step they share (`AttackStepMethod`).
protocol AttackObjective {
    /// The method's name when none is given, e.g. "pgd".
    static var defaultName: String { get }
    /// Where δ starts; a uniform start has radius ε. Every start is clipped to the box, so the
    /// first attack step never sees a pixel outside [0, 1].
    var start: PerturbationStart { get }
    /// Forward passes of one attack step and of the training loss, for the accounting.
    static var forwardPasses: (perAttackStep: Int, training: Int) { get }
    /// Settings beyond policy, step size and magnitude source, for the log and the checkpoint.
    var settings: [String: String] { get }
    /// The loss the attack ascends at x + δ.
    func attackLoss(model: any Layer, images x: Tensor, labels y: Tensor, delta d: Tensor) throws -> Tensor
    /// The training loss at the final δ, its cross-entropy smoothed by `labelSmoothing`, and the
    /// logits the accuracy is read from.
    func trainingLoss(
        model: any Layer, images x: Tensor, labels y: Tensor, delta d: Tensor, labelSmoothing: Double
    ) throws -> (loss: Tensor, logits: Tensor)
}

/// An objective weighted by β (TRADES, MART); both start at δ = 0.001·N(0, 1).
protocol RegularizedObjective: AttackObjective {
    var beta: Double { get }
    init(beta: Double)
}

extension RegularizedObjective {
    var start: PerturbationStart { .smallNormal }
    var settings: [String: String] { ["beta": "\(beta)"] }
}

/// PGD-AT, TRADES and MART (and their M+ versions): n = policy.count(epoch) signed ascent steps on
/// the objective's attack loss, then one weight update on its training loss at the final δ. The
/// model stays in train mode during the attack, as in the reference runs.
struct AttackStepMethod<Objective: AttackObjective>: TrainingMethod {
    let name: String
    var policy: IterationPolicy
    let stepSize: StepSizeRule
    let magnitudeSource: MagnitudeSource
    let objective: Objective

    var settings: [String: String] {
        objective.settings.merging(
            ["policy": policy.description, "step_size": stepSize.description, "magnitude": magnitudeSource.rawValue]) { $1 }
    }

    func step(images x: Tensor, labels y: Tensor, context c: StepContext) throws -> StepResult {
        let steps = policy.count(epoch: c.epoch)
        let box = try Box(around: x)
        let start = try box.clip(initialPerturbation(objective.start, like: x, radius: c.epsilon, generator: c.generator))
        let (delta, attackGradient) = try maximize(
            from: start, steps: steps, stepSize: stepSize.value(epsilon: c.epsilon, steps: steps), epsilon: c.epsilon, box: box
        ) { d in try objective.attackLoss(model: c.model, images: x, labels: y, delta: d) }
        let forward = Objective.forwardPasses
        return try trainOnPerturbation(
            delta, attackGradient: attackGradient, source: magnitudeSource, labels: y, context: c,
            passes: (steps * forward.perAttackStep + forward.training, steps + 1)
        ) { d in try objective.trainingLoss(model: c.model, images: x, labels: y, delta: d, labelSmoothing: c.labelSmoothing) }
    }
}

/// PGD-AT and M+PGD (PGDAT.swift).
typealias PGDAT = AttackStepMethod<PGDObjective>
/// TRADES and M+TRADES (TRADES.swift).
typealias TRADES = AttackStepMethod<TRADESObjective>
/// MART and M+MART (MART.swift).
typealias MART = AttackStepMethod<MARTObjective>

extension AttackStepMethod where Objective: RegularizedObjective {
    /// TRADES or MART with weight `beta`.
    init(
        name: String = Objective.defaultName, policy: IterationPolicy, stepSize: StepSizeRule, beta: Double = 6,
        magnitudeSource: MagnitudeSource = .lastAttackStep
    ) {
        self.init(name: name, policy: policy, stepSize: stepSize, magnitudeSource: magnitudeSource, objective: Objective(beta: beta))
    }
}
