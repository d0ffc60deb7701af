// MPlusRule.swift: the M+ acceleration rule, written once (docs/methods.md §1.3, §2.2).
// Every method reports the gradient magnitude of each minibatch; at the end of an epoch the rule
// decides whether the iteration count (DEAT's replays r, PGD/TRADES/MART's attack steps n) rises:
//
//   after epoch 0:  count = afterWarmup            (DEAT: r = 2; attack-step methods: n = 1)
//   after epoch 1:  ref = γ·M
//   after epoch e:  if (M > ref or n·α < ε) and count < max:  ref = γ·M; count += 1
//
// M is the sum over the epoch's minibatches of ‖∂L/∂x̃‖₁ (gradient w.r.t. the normalised input).
// The reference is NOT updated when the count does not rise. The minimum-budget clause n·α < ε is
// what the 2021 Table-1 runs of M+PGD/M+MART did; the reference's latest code and DEAT never had it
// on (§7), so MethodName builds it only for `--magnitude-source last-attack-step`. Unlike the
// reference code, it never raises the count past the maximum.

/// The M+ controller: running magnitude sum, reference value and current count. Codable so a
/// resumed run continues with exactly the same decisions.
public struct MPlusController: Codable, Sendable, Equatable {
    /// The n·α < ε clause: raise the count while `count · stepSize < epsilon`.
    public struct MinimumBudget: Codable, Sendable, Equatable {
        /// The attack step size α, in pixel units.
        public let stepSize: Double
        /// The radius ε, in pixel units.
        public let epsilon: Double
        /// The clause for step size α and radius ε.
        public init(stepSize: Double, epsilon: Double) {
            self.stepSize = stepSize
            self.epsilon = epsilon
        }
    }

    /// The threshold factor γ: the reference is γ·M of the epoch that last raised the count.
    public let gamma: Double
    /// The count never rises past this.
    public let maximum: Int
    /// The count after epoch 0 (DEAT: r = 2; attack-step methods: n = 1).
    public let afterWarmup: Int
    /// The n·α < ε clause, when on.
    public let minimumBudget: MinimumBudget?
    /// The current count: DEAT's replays r or the attack steps n for the epoch in progress.
    public private(set) var count: Int
    /// The reference magnitude; nil until epoch 1 ends.
    public private(set) var reference: Double?
    /// Magnitude accumulated so far in the current epoch.
    public private(set) var epochSum: Double = 0
    /// Epochs the rule has ended.
    public private(set) var epochsCompleted: Int = 0

    /// A controller starting at count `initial`; ``deat(gamma:maximum:)`` and
    /// ``attackSteps(gamma:maximum:minimumBudget:)`` are the ones the methods use.
    public init(gamma: Double, initial: Int, afterWarmup: Int, maximum: Int, minimumBudget: MinimumBudget? = nil) {
        self.gamma = gamma
        self.maximum = maximum
        self.afterWarmup = afterWarmup
        self.minimumBudget = minimumBudget
        count = initial
    }

    /// M+DEAT: r = 1 in epoch 0, 2 from epoch 1, then the rule up to `maximum` (default 8, γ = 1.01).
    public static func deat(gamma: Double = 1.01, maximum: Int = 8) -> MPlusController {
        MPlusController(gamma: gamma, initial: 1, afterWarmup: min(2, maximum), maximum: maximum)
    }

    /// M+PGD/M+TRADES/M+MART: no attack step in epoch 0, one from epoch 1, then the rule.
    public static func attackSteps(gamma: Double = 1.01, maximum: Int, minimumBudget: MinimumBudget? = nil) -> MPlusController {
        MPlusController(gamma: gamma, initial: 0, afterWarmup: min(1, maximum), maximum: maximum, minimumBudget: minimumBudget)
    }

    /// Adds one minibatch's ‖∂L/∂x̃‖₁.
    public mutating func accumulate(_ magnitude: Double) {
        epochSum += magnitude
    }

    /// Replaces the epoch's running sum: data-parallel training combines the processes' sums with it
    /// (their mean over ranks equals one process's sum over the concatenated minibatches).
    public mutating func setEpochSum(_ m: Double) {
        epochSum = m
    }

    /// What `endEpoch` decided, with the figures it decided from (the epoch's sum M, the reference,
    /// the counts), so that a log line reports the rule's own decision instead of re-deriving it.
    public enum Decision: Sendable, Equatable {
        /// Epoch 0 ended: the count went from its initial value to `count`.
        case warmup(sum: Double, count: Int)
        /// Epoch 1 ended: the reference became γ·M; the count stays.
        case referenceSet(sum: Double, gamma: Double, reference: Double, count: Int)
        /// The count rose from `from` to `from + 1` because M exceeded `reference` (else because
        /// n·α < ε); the reference is now `newReference` = γ·M.
        case raised(sum: Double, reference: Double?, exceeded: Bool, from: Int, newReference: Double)
        /// The count is at its maximum and stays.
        case atMaximum(sum: Double, maximum: Int)
        /// M did not exceed `reference` (and n·α ≥ ε): the count and the reference stay.
        case held(sum: Double, reference: Double?, count: Int)
    }

    /// Applies the rule to the epoch just finished and starts a new sum, and says what it decided.
    @discardableResult
    public mutating func endEpoch() -> Decision {
        let m = epochSum
        epochSum = 0
        defer { epochsCompleted += 1 }
        switch epochsCompleted {
        case 0:
            count = max(count, afterWarmup)
            return .warmup(sum: m, count: count)
        case 1:
            reference = gamma * m
            return .referenceSet(sum: m, gamma: gamma, reference: gamma * m, count: count)
        default:
            guard count < maximum else { return .atMaximum(sum: m, maximum: maximum) }
            let exceeded = m > (reference ?? .infinity)
            let underBudget = minimumBudget.map { Double(count) * $0.stepSize < $0.epsilon } ?? false
            guard exceeded || underBudget else { return .held(sum: m, reference: reference, count: count) }
            let previous = reference
            reference = gamma * m
            count += 1
            return .raised(sum: m, reference: previous, exceeded: exceeded, from: count - 1, newReference: gamma * m)
        }
    }
}
