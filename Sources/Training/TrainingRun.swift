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

public struct TrainingRun {
    public let trainer: Trainer
    public let parameterCount: Int
    /// Temp files of interrupted writes that were removed from the directory (rank 0 only).
    public let removedTemporaries: [String]

    /// Prepares the run in `directory` on `device`; with a `group`, this process is one of a
    /// data-parallel run's (docs/architecture.md, data-parallel training).
    public init(config: TrainingConfig, directory: URL, device: Device, group: ProcessGroup? = nil) throws {
        let (trainer, parameterCount) = config.dataset == .folder
            ? try Self.folderTrainer(config: config, directory: directory, device: device, group: group)
            : try Self.tensorTrainer(config: config, directory: directory, device: device, group: group)
        self.trainer = trainer
        self.parameterCount = parameterCount
        removedTemporaries = trainer.isWriter ? trainer.files.removeLeftoverTemporaries() : []
    }

    /// The files of MNIST-style and CIFAR datasets, loaded whole into tensors on `device`.
    private static func tensorTrainer(config: TrainingConfig, directory: URL, device: Device, group: ProcessGroup?) throws -> (Trainer, Int) {
        let dataDirectory = URL(fileURLWithPath: config.dataDirectory)
        let trainSet = try loadImageSet(config.dataset, split: .train, directory: dataDirectory)
        let testSet = try loadImageSet(config.dataset, split: .test, directory: dataDirectory)
        let normalization = Normalization.forDataset(config.dataset)
        try Self.check(config.model, fits: trainSet, normalization: normalization, dataset: config.dataset)
        let model = try config.model.build(
            classes: trainSet.classCount, normalization: normalization, device: device,
            generator: Generator(seed: Generator.derivedSeed(config.seed, -1)))
        let trainer = try Trainer(
            config: config, model: model, normalization: normalization,
            train: TensorDataset(trainSet, first: config.trainSubset, device: device),
            validation: TensorDataset(testSet, first: config.validationSize, device: device), directory: directory,
            group: group)
        return (trainer, model.parameterCount)
    }

    /// `--dataset folder` (docs/datasets.md): DIR/train streamed by a FolderLoader (this process's
    /// shard, RandomResizedCrop + flip with --augment), validation on `validationSize` DIR/val images
    /// spread over its classes, decoded once with the evaluation transform. Both file lists are
    /// cached in the run directory, so a resumed run reads the files it started with.
    private static func folderTrainer(config: TrainingConfig, directory: URL, device: Device, group: ProcessGroup?) throws -> (Trainer, Int) {
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
        let normalization = Normalization.forDataset(.folder)
        if let side = config.model.requiredImageSide, side != config.imageSize {
            throw TrainingError("\(config.model) needs \(side)×\(side) images; pass --image-size \(side) or use --model small-cnn")
        }
        let model = try config.model.build(
            classes: train.classes.count, normalization: normalization, device: device,
            generator: Generator(seed: Generator.derivedSeed(config.seed, -1)))
        let workers = ProcessInfo.processInfo.activeProcessorCount
        let shard = try group.map { try DataLoader.Shard(rank: $0.rank, count: $0.worldSize) } ?? .whole
        let loader = try FolderLoader(
            config.trainSubset.map { train.spread($0) } ?? train,
            transform: config.imageTransform,
            batchSize: config.batchSize, seed: config.seed, workers: workers, shard: shard,
            skipBadImages: config.skipBadImages, device: device)
        // Only the writer validates (Trainer.finishEpoch); the others need no validation images.
        let validationImages = writer ? config.validationSize : 0
        let validation = try FolderLoader(
            val.spread(validationImages), transform: .evaluation(size: config.imageSize), batchSize: 64, shuffle: false,
            workers: workers, skipBadImages: config.skipBadImages, device: device)
        let validationSet = validationImages > 0
            ? try validation.tensorDataset().dataset
            : try TensorDataset(images: Tensor.zeros([0, 3, config.imageSize, config.imageSize], dtype: .uint8, device: device),
                                labels: Tensor.zeros([0], dtype: .int64, device: device), classCount: train.classes.count)
        let trainer = try Trainer(
            config: config, model: model, normalization: normalization, loader: loader, validation: validationSet,
            directory: directory, device: device, group: group)
        return (trainer, model.parameterCount)
    }

    /// Loads the directory's checkpoint, if any (every process of a data-parallel run calls it);
    /// false for a fresh start.
    public func resume() throws -> Bool {
        try trainer.resumeIfPossible()
    }

    /// The model's input channels and image side against the data's, before any weights are built.
    static func check(_ kind: ModelKind, fits set: ImageSet, normalization: Normalization, dataset: DatasetName) throws {
        guard normalization.mean.count == set.channels else {
            throw TrainingError("\(kind) for \(dataset.rawValue) expects \(normalization.mean.count) channel(s), the data has \(set.channels)")
        }
        if let side = kind.requiredImageSide, set.height != side || set.width != side {
            throw TrainingError("\(kind) needs \(side)×\(side) images (CIFAR); \(dataset.rawValue) has \(set.height)×\(set.width): use --model small-cnn")
        }
    }
}
