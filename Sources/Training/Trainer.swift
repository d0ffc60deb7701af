// Trainer.swift: the one training loop (style-anchors.md §6: methods supply the per-batch step,
// the loop is never copied). Per epoch: minibatches from the seeded loader, the learning rate set
// once per minibatch, the method's step, the accounting, the M+ decision, validation (clean and
// PGD-K with the CW loss on the first N test points, reference-methods.md §0), the log line and a
// checkpoint. A run killed at any moment resumes from its last checkpoint to the same final weights:
// every random draw is a function of (seed, epoch, batch), and the checkpoint holds the rest.
import Attacks
import Datasets
import Evaluation
import Foundation
import Models
import NN
import Torch

/// What the loop reports while it runs (the CLI draws progress from these).
public enum TrainingEvent {
    case started(resumedAt: (epoch: Int, batch: Int)?)
    case batch(epoch: Int, batch: Int, of: Int, iterations: Int, loss: Double, imagesPerSecond: Double)
    case validating(epoch: Int)
    case epochFinished(EpochRecord)
    case checkpointed(epoch: Int, batch: Int)
}

public struct TrainingDiverged: Error, CustomStringConvertible {
    public let epoch: Int, batch: Int, loss: Double
    public var description: String {
        "training diverged: loss is \(loss) at epoch \(epoch + 1), batch \(batch + 1); the last good checkpoint is kept (lower --lr or --alpha)"
    }
}

public final class Trainer {
    public let model: any Layer
    public let files: RunFiles
    public private(set) var state: TrainState
    private var method: any TrainingMethod
    private let optimizer: SGD
    private let loader: DataLoader
    private let validation: TensorDataset
    private let normalization: Normalization
    private let inputScale: Tensor
    private let schedule: any LearningRateSchedule

    /// A fresh run (or one to resume with `resumeIfPossible()`), writing into `directory`.
    public init(
        config: TrainingConfig, model: any Layer, normalization: Normalization, train: TensorDataset,
        validation: TensorDataset, directory: URL
    ) throws {
        self.model = model
        self.normalization = normalization
        self.validation = try validation.first(config.validationSize)
        method = config.method.make(config: config)
        state = TrainState(config: config, policy: method.policy)
        optimizer = try SGD(
            parameters: model.parameters(), learningRate: config.learningRate, momentum: config.momentum,
            weightDecay: config.weightDecay)
        loader = try DataLoader(
            try config.trainSubset.map { try train.first($0) } ?? train, batchSize: config.batchSize,
            augmentation: config.augment ? .cifar : .none, seed: config.seed)
        let device = train.device
        inputScale = try Tensor(normalization.std, shape: [1, normalization.std.count, 1, 1], on: device)
        schedule = Self.schedule(config, iterationsPerEpoch: loader.batchesPerEpoch)
        files = try RunFiles(directory: directory)
    }

    static func schedule(_ c: TrainingConfig, iterationsPerEpoch: Int) -> any LearningRateSchedule {
        let total = c.epochs * iterationsPerEpoch
        switch c.schedule {
        case .multistep: return MultiStepRate(base: c.learningRate, milestones: [total / 2, total * 4 / 5])
        case .cyclic: return CyclicRate(low: 0, high: c.learningRate, stepsUp: Double(total) / 2)
        case .cosine: return CosineRate(base: c.learningRate, total: total)
        case .constant: return ConstantRate(c.learningRate)
        }
    }

    /// Loads the directory's checkpoint, if any, into the model, optimiser and state. Returns
    /// false for a fresh start. Refuses a checkpoint written with a different configuration.
    @discardableResult
    public func resumeIfPossible() throws -> Bool {
        guard let saved = try files.loadCheckpoint(model: model, optimizer: optimizer) else { return false }
        var comparable = saved.config
        comparable.stopAfterBatches = state.config.stopAfterBatches
        comparable.keepEpochs = state.config.keepEpochs  // may be switched on when resuming
        guard comparable == state.config else {
            throw TorchError("\(files.checkpoint.path) was written by a run with other settings; use another --out or resume with the same options")
        }
        let (stop, keep) = (state.config.stopAfterBatches, state.config.keepEpochs)
        state = saved
        state.config.stopAfterBatches = stop
        state.config.keepEpochs = keep
        method.policy = saved.policy
        return true
    }

    /// Trains until the configured epochs are done (or `stopAfterBatches`).
    public func run(_ report: (TrainingEvent) -> Void = { _ in }) throws {
        model.train()
        report(.started(resumedAt: state.epoch > 0 || state.batch > 0 ? (state.epoch, state.batch) : nil))
        var lastCheckpoint = Date()
        while !state.finished {
            let epoch = state.epoch
            let batches = loader.epoch(epoch)
            var index = 0
            let epochStart = Date()
            let secondsBefore = state.tally.seconds
            while let (x, y) = try batches.nextBatch() {
                defer { index += 1 }
                if index < state.batch { continue }  // resumed mid-epoch: these were trained before the kill
                if let stop = state.config.stopAfterBatches, state.batchesTrained >= stop { return }
                let iteration = epoch * loader.batchesPerEpoch + index
                optimizer.learningRate = schedule.rate(at: iteration)
                let context = StepContext(
                    model: model, optimizer: optimizer, inputScale: inputScale, epsilon: state.config.epsilon, epoch: epoch,
                    generator: try Generator(seed: Self.batchSeed(state.config.seed, epoch: epoch, batch: index), device: x.device))
                let result = try method.step(images: x, labels: y, context: context)
                guard result.loss.isFinite else { throw TrainingDiverged(epoch: epoch, batch: index, loss: result.loss) }
                state.tally.add(result)
                state.tally.seconds = secondsBefore + Date().timeIntervalSince(epochStart)
                state.tally.dataWaitSeconds = batches.waitSeconds
                method.policy.accumulate(result.gradientMagnitude)
                state.policy = method.policy
                state.batch = index + 1
                state.batchesTrained += 1
                let rate = Double(state.tally.examples) / max(state.tally.seconds, 1e-9)
                report(.batch(epoch: epoch, batch: index + 1, of: batches.batchCount, iterations: method.policy.count(epoch: epoch),
                              loss: state.tally.lossSum / Double(max(state.tally.examples, 1)), imagesPerSecond: rate))
                if Date().timeIntervalSince(lastCheckpoint) > state.config.checkpointMinutes * 60, state.batch < batches.batchCount {
                    try files.saveCheckpoint(state, model: model, optimizer: optimizer, metadata: metadata(epoch: epoch))
                    lastCheckpoint = Date()
                    report(.checkpointed(epoch: epoch, batch: state.batch))
                }
            }
            try finishEpoch(report)
            lastCheckpoint = Date()
        }
    }

    private func finishEpoch(_ report: (TrainingEvent) -> Void) throws {
        let epoch = state.epoch
        let iterations = method.policy.count(epoch: epoch)
        method.policy.endEpoch()
        report(.validating(epoch: epoch))
        let (clean, robust, description) = try validate(epoch: epoch)
        let t = state.tally
        state.totalForwardPasses += t.forwardPasses
        state.totalBackwardPasses += t.backwardPasses
        state.totalSeconds += t.seconds
        var reference: Double?
        if case .mPlus(let controller) = method.policy { reference = controller.reference }
        let record = EpochRecord(
            epoch: epoch, iterations: iterations,
            learningRate: schedule.rate(at: (epoch + 1) * loader.batchesPerEpoch - 1),
            trainLoss: t.lossSum / Double(max(t.examples, 1)), trainAccuracy: Double(t.correct) / Double(max(t.examples, 1)),
            forwardPasses: t.forwardPasses, backwardPasses: t.backwardPasses, totalForwardPasses: state.totalForwardPasses,
            totalBackwardPasses: state.totalBackwardPasses, seconds: t.seconds, totalSeconds: state.totalSeconds,
            gradientMagnitude: t.magnitude, mPlusReference: reference, cleanAccuracy: clean, robustAccuracy: robust,
            validation: description, dataWaitSeconds: t.dataWaitSeconds)
        state.records.append(record)
        state.policy = method.policy
        state.tally = EpochTally()
        state.epoch += 1
        state.batch = 0
        let meta = metadata(epoch: epoch + 1)
        if robust > state.bestRobustAccuracy {
            state.bestRobustAccuracy = robust
            try Checkpoint.save(model, metadata: meta, to: files.best)
        }
        try Checkpoint.save(model, metadata: meta, to: files.model)
        // Before the resumable checkpoint: a kill in between redoes the epoch and rewrites this file.
        if state.config.keepEpochs == true { try Checkpoint.save(model, metadata: meta, to: files.epochModel(epoch + 1)) }
        try files.saveCheckpoint(state, model: model, optimizer: optimizer, metadata: meta)
        try files.writeLog(state.records)
        report(.epochFinished(record))
        report(.checkpointed(epoch: state.epoch, batch: 0))
    }

    /// Clean and PGD-K (CW loss, step 2.5ε/K) accuracy on the fixed validation subset, eval mode.
    private func validate(epoch: Int) throws -> (clean: Double, robust: Double, description: String) {
        let c = state.config
        let n = validation.count
        guard n > 0 else { return (0, 0, "none") }
        let attack = PGD(epsilon: c.epsilon, stepSize: 2.5 * c.epsilon / Double(max(c.validationSteps, 1)), steps: c.validationSteps, loss: .cw)
        let generator = try Generator(seed: Self.batchSeed(c.seed, epoch: epoch, batch: -1), device: validation.device)
        var clean = 0, robust = 0
        var start = 0
        while start < n {
            let (x, y) = try validation.batch(start..<min(start + 500, n))
            clean += try correctCount(model: model, images: x, labels: y)
            let adversarial = try attack.perturb(model: model, images: x, labels: y, generator: generator)
            robust += try correctCount(model: model, images: adversarial, labels: y)
            start += 500
        }
        model.train()
        return (Double(clean) / Double(n), Double(robust) / Double(n), "\(attack.name) on the first \(n) test points")
    }

    private func metadata(epoch: Int) -> CheckpointMetadata {
        let c = state.config
        return CheckpointMetadata(
            model: c.model, classes: validation.classCount, dataset: c.dataset, normalizeMean: normalization.mean,
            normalizeStd: normalization.std, method: c.method.rawValue, epsilon: c.epsilon, epoch: epoch)
    }

    /// The seed of one minibatch's generator (batch −1: the epoch's validation attack).
    static func batchSeed(_ seed: UInt64, epoch: Int, batch: Int) -> UInt64 {
        Generator.derivedSeed(seed, epoch, batch, 0x7A1)
    }
}
