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
        let dataDirectory = URL(fileURLWithPath: config.dataDirectory)
        let trainSet = try loadImageSet(config.dataset, split: .train, directory: dataDirectory)
        let testSet = try loadImageSet(config.dataset, split: .test, directory: dataDirectory)
        let normalization = Normalization.forDataset(config.dataset)
        try Self.check(config.model, fits: trainSet, normalization: normalization, dataset: config.dataset)
        let model = try config.model.build(
            classes: trainSet.classCount, normalization: normalization, device: device,
            generator: Generator(seed: Generator.derivedSeed(config.seed, -1)))
        trainer = try Trainer(
            config: config, model: model, normalization: normalization,
            train: TensorDataset(trainSet, first: config.trainSubset, device: device),
            validation: TensorDataset(testSet, first: config.validationSize, device: device), directory: directory,
            group: group)
        parameterCount = model.parameterCount
        removedTemporaries = trainer.isWriter ? trainer.files.removeLeftoverTemporaries() : []
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
