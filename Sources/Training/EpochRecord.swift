// EpochRecord.swift: one line of a run's log (`log.jsonl`): the accounting the paper uses
// (docs/methods.md §0, §1.4: passes and time, so methods compare by cost), written after every epoch.

/// One line of a run's `log.jsonl`, written after every epoch: passes, time, loss, the replay or
/// step count, the gradient magnitude and the validation accuracies, so methods compare by cost.
public struct EpochRecord: Codable, Sendable, Equatable {
    public var epoch: Int
    /// Replays r (DEAT/FREE) or attack steps n/K (PGD/TRADES/MART) used in this epoch.
    public var iterations: Int
    /// Learning rate of the epoch's last minibatch.
    public var learningRate: Double
    public var trainLoss: Double
    public var trainAccuracy: Double
    public var forwardPasses: Int
    public var backwardPasses: Int
    public var totalForwardPasses: Int
    public var totalBackwardPasses: Int
    /// Wall time of the training loop in this epoch (validation excluded, as the paper times it).
    public var seconds: Double
    public var totalSeconds: Double
    /// Σ over minibatches of ‖∂L/∂x̃‖₁ (the M+ statistic, logged for every method).
    public var gradientMagnitude: Double
    /// The M+ reference after this epoch's decision (M+ methods only).
    public var mPlusReference: Double?
    public var cleanAccuracy: Double
    public var robustAccuracy: Double
    /// "pgd-10 (cw) on the first 1000 test points"
    public var validation: String
    public var dataWaitSeconds: Double
    /// PGD-5 accuracy on the epoch's first training minibatch (OverfittingGuard.swift); nil when off.
    public var overfittingCheck: Double?
    /// Why training stopped after this epoch, when it stopped early.
    public var stopped: String?
}

/// Running sums over the minibatches of one epoch (saved mid-epoch for an exact resume).
public struct EpochTally: Codable, Sendable, Equatable {
    public var lossSum: Double = 0
    public var correct: Int = 0
    public var examples: Int = 0
    public var batches: Int = 0
    public var forwardPasses: Int = 0
    public var backwardPasses: Int = 0
    public var magnitude: Double = 0
    public var seconds: Double = 0
    public var dataWaitSeconds: Double = 0

    public init() {}

    mutating func add(_ r: StepResult) {
        lossSum += r.loss * Double(r.examples)
        correct += r.correct
        examples += r.examples
        batches += 1
        forwardPasses += r.forwardPasses
        backwardPasses += r.backwardPasses
        magnitude += r.gradientMagnitude
    }
}
