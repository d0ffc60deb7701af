// Trainer.swift: the one training loop (docs/architecture.md §6: methods supply the per-batch step,
// the loop is never copied). Per epoch: minibatches from the seeded loader, the learning rate set
// once per minibatch, the method's step, the accounting, the M+ decision, validation (clean and
// PGD-K with the CW loss on the first N test points, docs/methods.md §0), the log line and a
// checkpoint. With weight averaging (docs/methods.md §2.9) the average follows every minibatch, and
// validation and the model files use it while the method trains the raw weights. A run killed at
// any moment resumes from its last checkpoint to the same final weights: every random draw is a
// function of (seed, epoch, batch), and the checkpoint holds the rest.
import Attacks
import Datasets
import Foundation
import Models
import NN
import SafeTensors
import Torch

/// What the loop reports while it runs (the CLI draws progress from these).
public enum TrainingEvent {
    case started(resumedAt: (epoch: Int, batch: Int)?)
    case batch(epoch: Int, batch: Int, of: Int, iterations: Int, loss: Double, imagesPerSecond: Double)
    case validating(epoch: Int)
    case epochFinished(EpochRecord)
    case checkpointed(epoch: Int, batch: Int)
}

/// Thrown when the training loss is not finite; the last good checkpoint is kept.
public struct TrainingDiverged: Error, CustomStringConvertible {
    /// Where the loss stopped being finite (0-based epoch and minibatch) and its value.
    public let epoch: Int, batch: Int, loss: Double
    /// Data-parallel runs: the non-finite loss was another process's (this one's was finite).
    public var onAnotherProcess = false
    public var description: String {
        let what = onAnotherProcess ? "another process's loss is not finite" : "loss is \(loss.isNaN ? "nan" : "\(loss)")"  // not "-nan(0x3ffffe0000000)"
        return "training diverged: \(what) at epoch \(epoch + 1), batch \(batch + 1); the last good checkpoint is kept (lower --lr or --alpha)"
    }
}

/// The one training loop: per epoch the seeded minibatches, the learning rate per minibatch, the
/// method's ``TrainingMethod/step(images:labels:context:)``, the accounting, the M+ decision,
/// validation, the log line and a checkpoint. A killed run resumes byte for byte.
public final class Trainer {
    /// The model being trained (its weights change in place).
    public let model: any Layer
    /// The run directory's files.
    public let files: RunFiles
    /// Everything besides tensors that a resume restores: config, position, policy, sums and log.
    public private(set) var state: TrainState
    private var method: any TrainingMethod
    private let optimizer: SGD
    private let loader: any EpochLoader
    private let validation: TensorDataset
    private let normalization: Normalization
    private let inputScale: Tensor
    private let schedule: any LearningRateSchedule
    private let parallel: DataParallel?
    /// Whether this process reads and writes the run directory (rank 0, or the only process).
    public var isWriter: Bool { parallel?.isWriter ?? true }
    /// Whether the processes of a data-parallel run have taken rank 0's state yet.
    private var synchronized = false
    /// The dtype the training steps autocast to, nil for float32.
    private let autocastType: DType?
    /// Images the loader left out of the current epoch as undecodable (`--skip-bad-images`).
    public private(set) var skippedImages = 0
    /// The current epoch's first minibatch, which the overfitting guard attacks.
    private var firstBatch: (images: Tensor, labels: Tensor)?
    /// The weights' moving average (nil when off); only the writer keeps one, since only it
    /// validates and writes files.
    private let average: WeightAverage?
    /// The δ carried across minibatches (`carryPerturbation`), checkpointed with the weights.
    private let carried: CarriedPerturbation?
    /// The averaged weights under the model's state_dict names; nil without weight averaging.
    public var averagedWeights: [(name: String, tensor: Tensor)]? { average?.tensors }

    /// The dtype the steps autocast to (nil: float32); fp16 is refused with the reason.
    static func autocastType(_ precision: TrainingPrecision) throws -> DType? {
        switch precision {
        case .fp32: nil
        case .bf16: .bfloat16
        // float16's range needs the loss scaled (PyTorch's GradScaler) or small gradients vanish; bfloat16
        // has float32's range, so deat trains with it alone rather than with an unscaled float16.
        case .fp16: throw TrainingError("fp16 autocast needs loss scaling, which deat's training does not do; use bf16")
        }
    }

    /// A fresh run (or one to resume with `resumeIfPossible()`), writing into `directory`. With a
    /// `group` of W processes (`config.worldSize` must be W), this process trains on its shard of
    /// the data and only rank 0 touches `directory` (DataParallel.swift). `method` replaces the
    /// config's (`config.method.make`) with one of the caller's own, e.g. a new `TrainingMethod`;
    /// the loop, the M+ bookkeeping of its `policy`, validation and checkpoints are the same.
    public convenience init(
        config: TrainingConfig, model: any Layer, normalization: Normalization, train: TensorDataset,
        validation: TensorDataset, directory: URL, group: ProcessGroup? = nil, method: (any TrainingMethod)? = nil
    ) throws {
        let loader = try DataLoader(
            try config.trainSubset.map { try train.first($0) } ?? train, batchSize: config.batchSize,
            augmentation: config.augmentation, seed: config.seed,
            shard: try group.map { try DataLoader.Shard(rank: $0.rank, count: $0.worldSize) } ?? .whole)
        try self.init(config: config, model: model, normalization: normalization, loader: loader, validation: validation,
                      directory: directory, device: train.device, group: group, method: method)
    }

    /// A run whose minibatches come from `loader` (an image folder's, FolderLoader.swift), already
    /// on `device` and this process's shard.
    public init(
        config: TrainingConfig, model: any Layer, normalization: Normalization, loader: any EpochLoader,
        validation: TensorDataset, directory: URL, device: Device, group: ProcessGroup? = nil, method: (any TrainingMethod)? = nil
    ) throws {
        guard config.worldSize == (group?.worldSize ?? 1) else {
            throw TrainingError("the run is configured for \(config.worldSize) process(es) but \(group?.worldSize ?? 1) joined")
        }
        self.model = model
        self.normalization = normalization
        self.validation = try validation.first(config.validationSize)
        self.method = method ?? config.method.make(config: config)
        // Refused before any data moves, rather than at the first minibatch.
        if self.method is YOPO { _ = try YOPO.split(model) }
        state = TrainState(config: config, policy: self.method.policy)
        optimizer = try SGD(
            parameters: model.parameters(), learningRate: config.learningRate, momentum: config.momentum,
            weightDecay: config.weightDecay)
        parallel = group.map { DataParallel(group: $0, trainingDevice: device) }
        self.loader = loader
        parallel?.attach(to: optimizer)
        if config.channelsLast { try model.convert(to: .channelsLast) }
        let writes = parallel?.isWriter ?? true
        average = config.weightAveraging > 0 && writes ? try WeightAverage(of: model, decay: config.weightAveraging) : nil
        guard !config.carryPerturbation || parallel == nil else {
            // Each process would carry its own δ, and the checkpoint holds rank 0's alone.
            throw TrainingError("a carried perturbation is not yet supported in data-parallel training; train in one process")
        }
        carried = config.carryPerturbation ? CarriedPerturbation(batchSize: config.batchSize) : nil
        autocastType = try Self.autocastType(config.autocast)
        if config.convolutions == .winograd, !ConvolutionAlgorithm.winogradAvailable {
            throw TrainingError(
                "this run trains with Winograd convolutions, which this build lacks: apt install libdnnl-dev and rebuild deat")
        }
        inputScale = try Tensor(normalization.std, shape: [1, normalization.std.count, 1, 1], on: device)
        schedule = Self.schedule(config, iterationsPerEpoch: loader.batchesPerEpoch)
        files = try RunFiles(directory: directory)
    }

    static func schedule(_ c: TrainingConfig, iterationsPerEpoch: Int) -> any LearningRateSchedule {
        let total = c.epochs * iterationsPerEpoch
        switch c.schedule {
        case .multistep:
            return MultiStepRate(base: c.learningRate, milestones: c.lrMilestones.iterations(epochs: c.epochs, perEpoch: iterationsPerEpoch))
        case .cyclic: return CyclicRate(low: 0, high: c.learningRate, stepsUp: Double(total) / 2)
        case .cosine: return CosineRate(base: c.learningRate, total: total)
        case .constant: return ConstantRate(c.learningRate)
        }
    }

    /// Loads the directory's checkpoint, if any, into the model, optimiser and state. Returns
    /// false for a fresh start. Refuses a checkpoint written with a different configuration.
    /// Data-parallel: every process calls it; rank 0 reads the directory and the others take
    /// rank 0's state, weights and momentum.
    @discardableResult
    public func resumeIfPossible() throws -> Bool {
        let resumed = isWriter ? try loadCheckpoint() : false
        try synchronizeStart()
        return isWriter ? resumed : state.epoch > 0 || state.batch > 0
    }

    private func synchronizeStart() throws {
        guard let parallel, !synchronized else { return }
        let (stop, keep) = (state.config.stopAfterBatches, state.config.keepEpochs)
        state = try parallel.synchronizeStart(state, model: model, optimizer: optimizer)
        state.config.stopAfterBatches = stop
        state.config.keepEpochs = keep
        method.policy = state.policy
        synchronized = true
    }

    private func loadCheckpoint() throws -> Bool {
        guard let saved = try files.loadCheckpoint(model: model, optimizer: optimizer, average: average, carried: carried) else {
            trainingLog.debug("no checkpoint at \(files.checkpoint.path): a fresh start")
            return false
        }
        guard saved.config.worldSize == state.config.worldSize else {
            throw TrainingError("\(files.checkpoint.path) was written by \(saved.config.worldSize) process(es); resume it with as many (--nproc-per-node \(saved.config.worldSize)), since the data order depends on it")
        }
        var comparable = saved.config
        comparable.stopAfterBatches = state.config.stopAfterBatches
        comparable.keepEpochs = state.config.keepEpochs  // may be switched on when resuming
        comparable.checkpointMinutes = state.config.checkpointMinutes  // --resume DIR --checkpoint-minutes N
        guard comparable == state.config else {
            throw TrainingError("\(files.checkpoint.path) was written by a run with other settings; use another --out or resume with the same options")
        }
        let (stop, keep, minutes) = (state.config.stopAfterBatches, state.config.keepEpochs, state.config.checkpointMinutes)
        state = saved
        state.config.stopAfterBatches = stop
        state.config.keepEpochs = keep
        state.config.checkpointMinutes = minutes
        method.policy = saved.policy
        trainingLog.debug(
            "resumed from \(files.checkpoint.path): epoch \(saved.epoch + 1), batch \(saved.batch), \(saved.batchesTrained) minibatches trained so far, iterations \(saved.policy.count(epoch: saved.epoch))")
        return true
    }

    /// Trains until the configured epochs are done (or `stopAfterBatches`). `report` sees every
    /// event as it happens; `.batch` comes after the minibatch is counted in the state and before
    /// any checkpoint of it.
    public func run(_ report: (TrainingEvent) -> Void = { _ in }) throws {
        try synchronizeStart()
        model.train()
        report(.started(resumedAt: state.epoch > 0 || state.batch > 0 ? (state.epoch, state.batch) : nil))
        var lastCheckpoint = Date()
        while !state.finished {
            guard try trainEpoch(lastCheckpoint: &lastCheckpoint, report) else { return }
            try finishEpoch(report)
            lastCheckpoint = Date()
        }
    }

    /// The minibatches of the current epoch from `state.batch` on; false when `stopAfterBatches`
    /// ended the run inside it.
    private func trainEpoch(lastCheckpoint: inout Date, _ report: (TrainingEvent) -> Void) throws -> Bool {
        let epoch = state.epoch
        let batches = loader.epoch(epoch)
        let epochStart = Date()
        let secondsBefore = state.tally.seconds
        var imagesSinceStart = 0  // this process's, for the images/s shown while training
        var index = 0
        while let (x, y) = try batches.nextBatch() {
            defer { index += 1 }
            if index == 0 { firstBatch = (x, y) }  // also when resuming past it
            skippedImages = batches.skippedImages
            if index < state.batch { continue }  // resumed mid-epoch: these were trained before the kill
            if let stop = state.config.stopAfterBatches, state.batchesTrained >= stop { return false }
            let result = try step(images: x, labels: y, epoch: epoch, batch: index)
            // Once per minibatch, after its last optimiser step (docs/methods.md §2.9).
            try average?.update(from: model, first: state.batchesTrained == 0)
            let wantCheckpoint = Date().timeIntervalSince(lastCheckpoint) > state.config.checkpointMinutes * 60
                && index + 1 < batches.batchCount
            let checkpoint = try agree(on: result, epoch: epoch, batch: index, wantCheckpoint: wantCheckpoint)
            count(result, batch: index, seconds: secondsBefore + Date().timeIntervalSince(epochStart), dataWait: batches.waitSeconds)
            imagesSinceStart += result.examples
            let rate = Double(imagesSinceStart * state.config.worldSize) / max(Date().timeIntervalSince(epochStart), 1e-9)
            report(.batch(epoch: epoch, batch: index + 1, of: batches.batchCount, iterations: method.policy.count(epoch: epoch),
                          loss: state.tally.lossSum / Double(max(state.tally.examples, 1)), imagesPerSecond: rate))
            if checkpoint {
                try checkpointMidEpoch(epoch: epoch)
                lastCheckpoint = Date()
                report(.checkpointed(epoch: epoch, batch: state.batch))
            }
        }
        skippedImages = batches.skippedImages
        return true
    }

    /// One minibatch through the method, at this iteration's learning rate, with its own generator,
    /// in the run's layout and precision.
    private func step(images x: Tensor, labels y: Tensor, epoch: Int, batch index: Int) throws -> StepResult {
        optimizer.learningRate = schedule.rate(at: epoch * loader.batchesPerEpoch + index)
        let context = StepContext(
            model: model, optimizer: optimizer, inputScale: inputScale, epsilon: state.config.epsilon, epoch: epoch,
            generator: try Generator(
                seed: Self.batchSeed(state.config.seed, epoch: epoch, batch: index, rank: parallel?.rank ?? 0), device: x.device),
            labelSmoothing: state.config.labelSmoothing, carried: carried)
        let input = state.config.channelsLast ? try x.to(memoryFormat: .channelsLast) : x
        return try state.config.convolutions.run {
            guard let autocastType else { return try method.step(images: input, labels: y, context: context) }
            return try Autocast.run(on: x.device, dtype: autocastType) { try method.step(images: input, labels: y, context: context) }
        }
    }

    /// Stops on a non-finite loss (every process together), and says whether to checkpoint now
    /// (when rank 0's clock says so).
    private func agree(on result: StepResult, epoch: Int, batch: Int, wantCheckpoint: Bool) throws -> Bool {
        var (diverged, checkpoint) = (!result.loss.isFinite, wantCheckpoint)
        if let parallel {
            (diverged, checkpoint) = try parallel.agree(lossFinite: result.loss.isFinite, wantCheckpoint: wantCheckpoint)
        }
        guard !diverged else {
            throw TrainingDiverged(epoch: epoch, batch: batch, loss: result.loss, onAnotherProcess: result.loss.isFinite)
        }
        return checkpoint
    }

    /// The accounting of one trained minibatch, and the M+ sum.
    private func count(_ result: StepResult, batch index: Int, seconds: Double, dataWait: Double) {
        state.tally.add(result)
        state.tally.seconds = seconds
        state.tally.dataWaitSeconds = dataWait
        method.policy.accumulate(result.gradientMagnitude)
        state.policy = method.policy
        state.batch = index + 1
        state.batchesTrained += 1
    }

    private func checkpointMidEpoch(epoch: Int) throws {
        try parallel?.combine(&state, epochEnd: false)
        if isWriter {
            try files.saveCheckpoint(state, model: model, optimizer: optimizer, average: average, carried: carried, metadata: metadata(epoch: epoch))
            trainingLog.debug("checkpoint written: \(files.checkpoint.path) (epoch \(epoch + 1), after batch \(state.batch))")
        }
    }

    /// The epoch's end: the M+ decision (on every process's sums), validation, the log record, and
    /// the epoch's files.
    private func finishEpoch(_ report: (TrainingEvent) -> Void) throws {
        let epoch = state.epoch
        let iterations = method.policy.count(epoch: epoch)
        if let parallel {
            state.policy = method.policy
            try parallel.combine(&state, epochEnd: true)
            method.policy = state.policy
        }
        let t = state.tally  // every process's totals by now
        let before = method.policy
        let rule = method.policy.endEpoch(trainingAccuracy: Double(t.correct) / Double(max(t.examples, 1)))
        trainingLog.debug("\(IterationPolicy.decision(epoch: epoch, before: before, after: method.policy, rule: rule))")
        let check = try checkOverfitting(epoch: epoch)
        report(.validating(epoch: epoch))
        // Only the writer validates and writes; the others go on to the next epoch and wait for it
        // in their first collective.
        let (clean, robust, description) = isWriter ? try withEvaluatedWeights { try validate(epoch: epoch) } : (0, 0, "rank 0 only")
        let record = closeEpoch(epoch, iterations: iterations, clean: clean, robust: robust, validation: description, check: check)
        if isWriter { try saveEpochFiles(after: epoch, robust: robust, kept: check?.stopped == nil ? epoch + 1 : epoch) }
        report(.epochFinished(record))
        if isWriter { report(.checkpointed(epoch: state.epoch, batch: 0)) }
    }

    /// Adds the epoch's record to the log and moves the state to the next epoch.
    private func closeEpoch(
        _ epoch: Int, iterations: Int, clean: Double, robust: Double, validation: String, check: (accuracy: Double, stopped: String?)?
    ) -> EpochRecord {
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
            validation: validation, dataWaitSeconds: t.dataWaitSeconds, overfittingCheck: check?.accuracy, stopped: check?.stopped)
        state.records.append(record)
        state.policy = method.policy
        state.tally = EpochTally()
        state.epoch += 1
        state.batch = 0
        return record
    }

    /// Runs `body` on the weights that are validated and saved: the average with weight averaging,
    /// otherwise the model's own.
    private func withEvaluatedWeights<R>(_ body: () throws -> R) throws -> R {
        guard let average else { return try body() }
        return try average.withAveragedWeights(in: model, body)
    }

    /// best.safetensors (when validation improved), model.safetensors (and best.pt, model.pt for a
    /// TorchScript model), epoch-N (the averaged
    /// weights with weight averaging), then the resumable checkpoint and the log. `kept` is the
    /// epoch (1-based) whose weights the model holds: the one before when the overfitting guard
    /// stopped the run.
    private func saveEpochFiles(after epoch: Int, robust: Double, kept: Int) throws {
        let meta = metadata(epoch: kept)
        let weights = average?.tensors ?? model.stateDict()
        // Without validation (the fast setting) no epoch is selected, so there is no best file.
        let scripted = model as? ScriptedModel
        if validation.count > 0, robust > state.bestRobustAccuracy {
            state.bestRobustAccuracy = robust
            try withEvaluatedWeights { try scripted?.save(to: files.bestScript) }
            try Checkpoint.save(weights, metadata: meta.entries, to: files.best)
        }
        try withEvaluatedWeights { try scripted?.save(to: files.modelScript) }
        try Checkpoint.save(weights, metadata: meta.entries, to: files.model)
        // Before the resumable checkpoint: a kill in between redoes the epoch and rewrites this file.
        if state.config.keepEpochs, kept == epoch + 1 { try Checkpoint.save(weights, metadata: meta.entries, to: files.epochModel(epoch + 1)) }
        try files.saveCheckpoint(state, model: model, optimizer: optimizer, average: average, carried: carried, metadata: meta)
        trainingLog.debug("checkpoint written: \(files.checkpoint.path) (end of epoch \(epoch + 1); next: epoch \(state.epoch + 1))")
        try files.writeLog(state.records)
    }

    /// The overfitting guard's check after `epoch` (nil when it is off). When it fires, the model
    /// of the epoch before comes back from model.safetensors (written after that epoch) and the
    /// run ends (OverfittingGuard.swift); with weight averaging that file holds the epoch's average,
    /// which becomes both the raw weights and the average (docs/methods.md §2.9). Every process
    /// checks its own first batch and all take the mean, so they stop together.
    private func checkOverfitting(epoch: Int) throws -> (accuracy: Double, stopped: String?)? {
        guard state.config.overfittingGuard, let (x, y) = firstBatch else { return nil }
        let generator = try Generator(
            seed: Self.batchSeed(state.config.seed, epoch: epoch, batch: -2, rank: parallel?.rank ?? 0), device: x.device)
        let own = try OverfittingGuard.robustAccuracy(model: model, images: x, labels: y, epsilon: state.config.epsilon, generator: generator)
        let accuracy = try parallel?.mean(own) ?? own
        let previous = state.overfitting.previousAccuracy
        guard state.overfitting.record(accuracy, epoch: epoch) else { return (accuracy, nil) }
        if isWriter {
            try Checkpoint.load(Checkpoint.read(files.model), into: model.stateDict(), source: files.model.lastPathComponent)
            try average?.update(from: model, first: true)
        }
        let why = String(
            format: "catastrophic overfitting: PGD-5 accuracy on the first training batch fell from %.4f to %.4f; kept the model of epoch %d",
            previous, accuracy, epoch)
        return (accuracy, why)
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
        // A TorchScript model normalises inside its own code, and its architecture is the run's
        // initial.pt, named relative to the checkpoint so that the run directory can move.
        let scripted = c.model.isTorchScript
        return CheckpointMetadata(
            model: scripted ? ModelKind.torchScript(file: RunFiles.initialScriptName).description : c.model.description,
            classes: validation.classCount, dataset: c.dataset.rawValue, normalizeMean: scripted ? nil : normalization.mean,
            normalizeStd: scripted ? nil : normalization.std, method: c.method.rawValue, epsilon: c.epsilon, epoch: epoch)
    }

    /// The seed of one minibatch's generator (batch −1: the epoch's validation attack). Each
    /// process of a data-parallel run draws its own; rank 0 draws what a single process would.
    static func batchSeed(_ seed: UInt64, epoch: Int, batch: Int, rank: Int = 0) -> UInt64 {
        rank == 0 ? Generator.derivedSeed(seed, epoch, batch, 0x7A1) : Generator.derivedSeed(seed, epoch, batch, 0x7A1, rank)
    }
}
