// AttackBudget.swift: what every iterative attack is given (docs/attacks.md §1): the radius ε, the
// iterations of one run and the number of runs, with the report entries they make.

/// ε, iterations and restarts of an iterative attack (PGD, APGD, APGD-T, FAB-T, Square); each
/// attack's initialiser builds it, and its fields can be changed afterwards.
public struct AttackBudget: Sendable, Equatable {
    /// Radius of the ε-ball, in [0, 1] pixel units.
    public var epsilon: Double
    /// Iterations of one run (Square: queries per point).
    public var steps: Int
    /// Runs per point (APGD-T, FAB-T: per target class); a later run attacks only the points that
    /// no earlier one broke.
    public var restarts: Int

    /// The report parameters (§1): the attack's own `entries` with `norm`, `epsilon`, `restarts` and
    /// the iterations under `stepsKey`.
    func parameters(norm: ThreatNorm, stepsKey: String = "steps", _ entries: [String: String]) -> [String: String] {
        entries.merging(["norm": norm.rawValue, "epsilon": "\(epsilon)", stepsKey: "\(steps)", "restarts": "\(restarts)"]) { $1 }
    }
}
