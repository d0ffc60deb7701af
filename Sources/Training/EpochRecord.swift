// EpochRecord.swift: one line of a run's log (`log.jsonl`): the accounting the paper uses
// (docs/methods.md §0, §1.4: passes and time, so methods compare by cost), written after every epoch.

/// One line of a run's `log.jsonl`, written after every epoch: passes, time, loss, the replay or
/// step count, the gradient magnitude and the validation accuracies, so methods compare by cost.
public struct EpochRecord: Codable, Sendable, Equatable {
    /// 0-based epoch.
    public var epoch: Int
    /// Replays r (DEAT/FREE) or attack steps n/K (PGD/TRADES/MART) used in this epoch.
    public var iterations: Int
    /// Learning rate of the epoch's last minibatch.
    public var learningRate: Double
    /// Mean training loss over the epoch's minibatches.
    public var trainLoss: Double
    /// Training accuracy in [0, 1], on the inputs the method trained on (adversarial for adversarial
    /// methods).
    public var trainAccuracy: Double
    /// Forward passes through the model in this epoch, counted per minibatch (an attack step is one).
    public var forwardPasses: Int
    /// Backward passes in this epoch, counted per minibatch: the cost the paper compares methods by.
    public var backwardPasses: Int
    /// Forward passes since the run started.
    public var totalForwardPasses: Int
    /// Backward passes since the run started.
    public var totalBackwardPasses: Int
    /// Wall time of the training loop in this epoch (validation excluded, as the paper times it).
    public var seconds: Double
    /// Training-loop seconds since the run started (validation excluded).
    public var totalSeconds: Double
    /// Σ over minibatches of ‖∂L/∂x̃‖₁ (the M+ statistic, logged for every method).
    public var gradientMagnitude: Double
    /// The M+ reference after this epoch's decision (M+ methods only).
    public var mPlusReference: Double?
    /// Validation accuracy on clean test points, in [0, 1].
    public var cleanAccuracy: Double
    /// Validation accuracy under the validation attack (`validation`), in [0, 1].
    public var robustAccuracy: Double
    /// "pgd-10 (cw) on the first 1000 test points"
    public var validation: String
    /// Seconds the loop waited for minibatches (the data loader's share of `seconds`).
    public var dataWaitSeconds: Double
    /// PGD-5 accuracy on the epoch's first training minibatch (OverfittingGuard.swift); nil when off.
    public var overfittingCheck: Double?
    /// Why training stopped after this epoch, when it stopped early.
    public var stopped: String?
}

/// Running sums over the minibatches of one epoch (saved mid-epoch for an exact resume).
public struct EpochTally: Codable, Sendable, Equatable {
    /// Σ over the minibatches of mean loss × examples (the epoch's mean loss is `lossSum / examples`).
    public var lossSum: Double = 0
    /// Correct training predictions.
    public var correct: Int = 0
    /// Training examples seen.
    public var examples: Int = 0
    /// Minibatches trained.
    public var batches: Int = 0
    /// Forward passes, counted per minibatch.
    public var forwardPasses: Int = 0
    /// Backward passes, counted per minibatch.
    public var backwardPasses: Int = 0
    /// Σ of the minibatches' ‖∂L/∂x̃‖₁ (the M+ statistic).
    public var magnitude: Double = 0
    /// Training-loop seconds.
    public var seconds: Double = 0
    /// Seconds spent waiting for minibatches.
    public var dataWaitSeconds: Double = 0

    /// Empty sums, for the start of an epoch.
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
