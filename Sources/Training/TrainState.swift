// TrainState.swift: everything besides tensors that a resumed run needs to continue exactly where a
// killed one stopped: the config, the position (epoch, next batch), the iteration policy (with the
// M+ reference and running sum), the current epoch's running sums, the log so far and the
// overfitting guard's last check. It is stored
// as JSON in the checkpoint's metadata, next to the model and optimiser tensors, in one atomic file.

/// Everything besides tensors that a resumed run needs to continue exactly: the config, the
/// position (epoch, next batch), the iteration policy with the M+ state, the epoch's running sums
/// and the log so far. Stored as JSON in the checkpoint's metadata.
public struct TrainState: Codable, Sendable, Equatable {
    public var config: TrainingConfig
    /// The epoch in progress (0-based) and its next minibatch.
    public var epoch: Int = 0
    public var batch: Int = 0
    public var policy: IterationPolicy
    public var tally = EpochTally()
    public var records: [EpochRecord] = []
    public var totalForwardPasses = 0
    public var totalBackwardPasses = 0
    public var totalSeconds: Double = 0
    public var bestRobustAccuracy: Double = -1
    /// Minibatches trained over the whole run.
    public var batchesTrained = 0
    /// The catastrophic-overfitting check's memory (OverfittingGuard.swift); absent from older checkpoints.
    @Defaulted<SettingDefaults.NoOverfittingCheck> public var overfitting = OverfittingGuardState()

    public init(config: TrainingConfig, policy: IterationPolicy) {
        self.config = config
        self.policy = policy
    }

    /// All epochs trained, or stopped by the overfitting guard.
    public var finished: Bool { epoch >= config.epochs || overfitting.firedAtEpoch != nil }
}
