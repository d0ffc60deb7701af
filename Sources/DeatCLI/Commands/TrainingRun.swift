// TrainingRun.swift: what `deat train` does once its options are settled: load the data, build the
// model, start or resume the Trainer, and show progress (a bar per epoch, a table line per epoch).
import DataFormats
import Datasets
import Foundation
import Models
import NN
import Torch
import Training

struct TrainingRun {
    let config: TrainingConfig
    let directory: URL
    let device: Device
    /// The data-parallel group this process belongs to; nil for a single-process run.
    var group: ProcessGroup? = nil

    func start() throws {
        guard let name = DatasetName(rawValue: config.dataset) else { throw TorchError("unknown dataset '\(config.dataset)'") }
        let dataDirectory = URL(fileURLWithPath: config.dataDirectory)
        let trainSet = try loadImageSet(name, split: .train, directory: dataDirectory)
        let testSet = try loadImageSet(name, split: .test, directory: dataDirectory)
        let kind = try ModelKind(name: config.model)
        let normalization = Normalization.forDataset(name)
        guard normalization.mean.count == trainSet.channels else {
            throw TorchError("\(config.model) for \(name.rawValue) expects \(normalization.mean.count) channel(s), the data has \(trainSet.channels)")
        }
        if let side = kind.requiredImageSide, trainSet.height != side || trainSet.width != side {
            throw TorchError("\(kind) needs \(side)×\(side) images (CIFAR); \(name.rawValue) has \(trainSet.height)×\(trainSet.width): use --model small-cnn")
        }
        let model = try kind.build(
            classes: trainSet.classCount, normalization: normalization, device: device,
            generator: Generator(seed: Generator.derivedSeed(config.seed, -1)))
        let trainer = try Trainer(
            config: config, model: model, normalization: normalization,
            train: TensorDataset(trainSet, first: config.trainSubset, device: device),
            validation: TensorDataset(testSet, first: config.validationSize, device: device), directory: directory,
            group: group)
        // In a data-parallel run rank 0 speaks for all; the others print only their errors.
        guard trainer.isWriter else {
            try trainer.resumeIfPossible()
            try trainer.run()
            return
        }
        for leftover in trainer.files.removeLeftoverTemporaries() {
            FileHandle.standardError.write(Data("note: removed \(leftover), a temporary file left by an interrupted write\n".utf8))
        }
        let resumed = try trainer.resumeIfPossible()
        print("\(config.method.rawValue) on \(name.rawValue) with \(kind) (\(model.parameterCount) parameters), ε = \(config.epsilon), "
            + "\(config.epochs) epochs, batch \(config.batchSize)\(group.map { " × \($0.worldSize) processes (\($0.backend.rawValue))" } ?? ""), "
            + "\(Runtime.threads) thread(s)\(group == nil ? "" : " each"), \(device) → \(directory.path)"
            + (resumed ? " (resumed at epoch \(trainer.state.epoch + 1), batch \(trainer.state.batch))" : ""))
        if trainer.state.finished {
            print("the run is already complete; see \(trainer.files.log.path)")
            return
        }
        printHeader()
        flushOutput()
        var bar: ProgressBar?
        try trainer.run { event in
            switch event {
            case .batch(let epoch, let batch, let of, let iterations, let loss, let rate):
                if bar == nil { bar = ProgressBar(total: of, label: "epoch \(epoch + 1)/\(config.epochs)") }
                bar?.update(batch, String(format: "r %d  loss %.4f  %.0f img/s", iterations, loss, rate))
            case .validating:
                bar?.finish()
                bar = nil
            case .epochFinished(let r):
                print(String(
                    format: "%5d %4d %9.5f %8.4f %7.2f%% %9.1f %11.2f %7.2f%% %7.2f%% %9d",
                    r.epoch + 1, r.iterations, r.learningRate, r.trainLoss, r.trainAccuracy * 100, r.seconds, r.gradientMagnitude,
                    r.cleanAccuracy * 100, r.robustAccuracy * 100, r.totalBackwardPasses))
                flushOutput()
            case .started, .checkpointed:
                break
            }
        }
        if trainer.state.finished, let last = trainer.state.records.last {
            print(String(format: "done: %.1f min of training, %d backward passes; last epoch clean %.2f%%, PGD %.2f%%",
                last.totalSeconds / 60, last.totalBackwardPasses, last.cleanAccuracy * 100, last.robustAccuracy * 100)
                + " (\(last.validation))")
            print("files: \(trainer.files.model.path), \(trainer.files.best.path), \(trainer.files.log.path)")
        }
    }

    func printHeader() {
        print("epoch    r        lr     loss   train%   time(s)   grad-mag    clean%     pgd%  backward")
    }
}
