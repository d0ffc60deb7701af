// TrainingRun.swift: everything `deat train` does before the first minibatch, as a library call:
// load the dataset, check that the model fits it, build the model from the run's seed, create the
// Trainer, then (a separate step, so that the caller can first report what was cleaned up) resume
// it from the directory's checkpoint when there is one. The CLI then only prints and drives
// `trainer.run`.
//
//   let run = try TrainingRun(config: config, directory: URL(fileURLWithPath: "runs/m"), device: .cpu)
//   let resumed = try run.resume()
//   try run.trainer.run { event in … }
import DataFormats
import Datasets
import Foundation
import Models
import NN
import Torch

/// Everything `deat train` does before the first minibatch, as a library call: load the dataset,
/// build the model from the run's seed and create the ``Trainer``; ``resume()`` is a separate step.
public struct TrainingRun {
    /// The training loop, ready to ``Trainer/run(_:)``.
    public let trainer: Trainer
    /// The model's number of parameters, for the start-up line.
    public let parameterCount: Int
    /// Temp files of interrupted writes that were removed from the directory (rank 0 only).
    public let removedTemporaries: [String]
    /// What the user should know about the model before training starts (a TorchScript model
    /// whose BatchNorm cannot train); one line each.
    public let warnings: [String]

    /// Prepares the run in `directory` on `device`; with a `group`, this process is one of a
    /// data-parallel run's (docs/architecture.md, data-parallel training).
    public init(config: TrainingConfig, directory: URL, device: Device, group: ProcessGroup? = nil) throws {
        let (trainer, model, input) = config.dataset == .folder
            ? try Self.folderTrainer(config: config, directory: directory, device: device, group: group)
            : try Self.tensorTrainer(config: config, directory: directory, device: device, group: group)
        self.trainer = trainer
        parameterCount = model.parameterCount
        removedTemporaries = trainer.isWriter ? trainer.files.removeLeftoverTemporaries() : []
        warnings = try (model as? ScriptedModel).map { try Self.warnings($0, imageShape: [input.channels, input.height, input.width]) } ?? []
    }

    /// The files of MNIST-style and CIFAR datasets, loaded whole into tensors on `device`.
    private static func tensorTrainer(config: TrainingConfig, directory: URL, device: Device, group: ProcessGroup?) throws -> (Trainer, any Layer, ModelInput) {
        let dataDirectory = URL(fileURLWithPath: config.dataDirectory)
        let trainSet = try loadImageSet(config.dataset, split: .train, directory: dataDirectory)
        let testSet = try loadImageSet(config.dataset, split: .test, directory: dataDirectory)
        trainingLog.debug(
            "data: \(config.dataset.rawValue) from \(dataDirectory.path): \(trainSet.count) training images (using \(config.trainSubset.map { min($0, trainSet.count) } ?? trainSet.count)), \(testSet.count) test images (validating on \(min(config.validationSize, testSet.count))), \(trainSet.channels)×\(trainSet.height)×\(trainSet.width), \(trainSet.classCount) classes")
        let normalization = Normalization.forDataset(config.dataset)
        let input = ModelInput(
            channels: trainSet.channels, height: trainSet.height, width: trainSet.width, classes: trainSet.classCount,
            dataset: config.dataset.rawValue)
        let model = try makeModel(config, input: input, directory: directory, device: device, writer: (group?.rank ?? 0) == 0)
        let trainer = try Trainer(
            config: config, model: model, normalization: normalization,
            train: TensorDataset(trainSet, first: config.trainSubset, device: device),
            validation: TensorDataset(testSet, first: config.validationSize, device: device), directory: directory,
            group: group)
        return (trainer, model, input)
    }

    /// `--dataset folder` (docs/datasets.md): DIR/train streamed by a FolderLoader (this process's
    /// shard, RandomResizedCrop + flip with --augment), validation on `validationSize` DIR/val images
    /// spread over its classes, decoded once with the evaluation transform. Both file lists are
    /// cached in the run directory, so a resumed run reads the files it started with.
    private static func folderTrainer(config: TrainingConfig, directory: URL, device: Device, group: ProcessGroup?) throws -> (Trainer, any Layer, ModelInput) {
        let root = URL(fileURLWithPath: config.dataDirectory)
        let writer = (group?.rank ?? 0) == 0
        if writer { try FileManager.default.createDirectory(at: directory, withIntermediateDirectories: true) }
        func split(_ name: String) throws -> ImageFolder {
            try ImageFolder.load(root.appendingPathComponent(name), cache: directory.appendingPathComponent("image-folder-\(name).json"),
                                 writeCache: writer)
        }
        let train = try split("train")
        let val = try split("val")
        guard val.classes == train.classes else {
            throw TrainingError("\(root.path): val/ has \(val.classes.count) classes and train/ \(train.classes.count), or other names; both need the same class folders")
        }
        trainingLog.debug(
            "data: image folders under \(root.path): \(train.count) training images, \(val.count) validation images, \(train.classes.count) classes (\(train.classes.prefix(5).joined(separator: ", "))\(train.classes.count > 5 ? ", …" : ""))")
        let normalization = Normalization.forDataset(.folder)
        if let side = config.model.requiredImageSide, side != config.imageSize {
            throw TrainingError("\(config.model) needs \(side)×\(side) images; pass --image-size \(side) or use --model small-cnn, resnet18 or resnet50 (any side)")
        }
        let input = ModelInput(channels: 3, height: config.imageSize, width: config.imageSize, classes: train.classes.count, dataset: "folder")
        let model = try makeModel(config, input: input, directory: directory, device: device, writer: writer)
        let workers = ProcessInfo.processInfo.activeProcessorCount
        let shard = try group.map { try DataLoader.Shard(rank: $0.rank, count: $0.worldSize) } ?? .whole
        let loader = try FolderLoader(
            config.trainSubset.map { train.spread($0) } ?? train,
            transform: config.imageTransform,
            batchSize: config.batchSize, seed: config.seed, workers: workers, shard: shard,
            skipBadImages: config.skipBadImages, device: device)
        // Only the writer validates (Trainer.finishEpoch); the others need no validation images.
        let validationImages = writer ? config.validationSize : 0
        let validationSet = try loadFolderEvaluationSet(
            root: root, split: "val", count: validationImages, size: config.imageSize, device: device,
            cache: directory.appendingPathComponent("image-folder-val.json"), writeCache: writer, skipBadImages: config.skipBadImages).dataset
        let trainer = try Trainer(
            config: config, model: model, normalization: normalization, loader: loader, validation: validationSet,
            directory: directory, device: device, group: group)
        return (trainer, model, input)
    }

    /// Loads the directory's checkpoint, if any (every process of a data-parallel run calls it);
    /// false for a fresh start.
    public func resume() throws -> Bool {
        try trainer.resumeIfPossible()
    }

    /// The run's model, checked against the data before any weights are built: a built-in one
    /// initialised from the run's seed (every method starts from the same weights), or a
    /// TorchScript one (docs/architecture.md §14), whose channels and classes one forward pass reads.
    public static func makeModel(_ config: TrainingConfig, input: ModelInput, directory: URL, device: Device, writer: Bool) throws -> any Layer {
        let normalization = Normalization.forDataset(config.dataset)
        guard config.model.isTorchScript else {
            try check(config.model, fits: input, normalization: normalization)
            return try config.model.build(
                classes: input.classes, normalization: normalization, device: device,
                generator: Generator(seed: Generator.derivedSeed(config.seed, -1)))
        }
        let model = try loadTorchScript(config.model, directory: directory, device: device, writer: writer)
        try checkModel(model, named: model.source, takes: input, training: true, advice: "")
        return model
    }

    /// A TorchScript run's model: a fresh run starts from the user's file and keeps it, as loaded,
    /// as the directory's initial.pt (the writer, rank 0, writes it); a resumed run rebuilds from
    /// that copy, so the user's file may have moved or changed since. The weights are then the
    /// checkpoint's.
    static func loadTorchScript(_ kind: ModelKind, directory: URL, device: Device, writer: Bool) throws -> ScriptedModel {
        let files = try RunFiles(directory: directory)
        let resuming = FileManager.default.fileExists(atPath: files.checkpoint.path)
        if resuming, FileManager.default.fileExists(atPath: files.initialScript.path) {
            return try ScriptedModel(contentsOf: files.initialScript, device: device)
        }
        guard case .torchScript(let file) = kind.resolved(against: directory) else { throw TrainingError("\(kind) is not a TorchScript model") }
        let model = try ScriptedModel(contentsOf: URL(fileURLWithPath: file), device: device)
        if writer { try model.save(to: files.initialScript) }
        return model
    }

    static func warnings(_ model: ScriptedModel, imageShape: [Int]) throws -> [String] {
        guard try model.batchNormFollowsTrainMode(imageShape: imageShape) == false else { return [] }
        return [
            "\(model.source): its BatchNorm layers keep their running statistics in train mode, so it was traced in eval mode "
                + "(torch.jit.trace bakes the mode in) and trains with frozen BatchNorm; to train them too, save it with torch.jit.script(model)"
        ]
    }

    /// A built-in model's input channels and image side against the data's.
    static func check(_ kind: ModelKind, fits input: ModelInput, normalization: Normalization) throws {
        guard normalization.mean.count == input.channels else {
            throw TrainingError("\(kind) for \(input.dataset) expects \(normalization.mean.count) channel(s), the data has \(input.channels)")
        }
        if let side = kind.requiredImageSide, input.height != side || input.width != side {
            throw TrainingError("\(kind) needs \(side)×\(side) images (CIFAR); \(input.dataset) has \(input.height)×\(input.width): use --model small-cnn")
        }
    }
}
