// AttackSteps.swift: settings shared by the methods whose inner maximisation is a number of attack
// steps decided by an iteration policy (PGD-AT, TRADES, MART and their M+ versions).

/// The step size of each inner attack step.
public enum StepSizeRule: Codable, Sendable, Equatable, CustomStringConvertible {
    /// Always α.
    case fixed(Double)
    /// max(ε/n, α) with n attack steps: M+PGD at the reference's HEAD (reference-methods.md §2.2).
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

/// Which input gradient the M+ rule sums (reference-methods.md §2.2 "which gradient", §7).
public enum MagnitudeSource: String, Codable, Sendable, CaseIterable {
    /// The attack loss's gradient at the last attack iteration (the 2021 Table-1 runs; default).
    case lastAttackStep = "last-attack-step"
    /// The training loss's gradient w.r.t. δ at the final adversarial point (the reference's HEAD).
    case trainingLoss = "training-loss"
}
