// Demo.swift: `deat demo`, a quick check of the whole stack: clean training of a SmallCNN on
// Fashion-MNIST through the one training loop (Trainer, method `standard`), printing test accuracy
// after each epoch, and optionally saving the model.
import ArgumentParser
import DataFormats
import Datasets
import Foundation
import Models
import NN
import Storage
import Torch
import Training

struct Demo: ParsableCommand {
    static let configuration = CommandConfiguration(
        abstract: "Train a small CNN on Fashion-MNIST and print its test accuracy.",
        discussion: "Clean training with SGD (momentum 0.9); one epoch reaches about 80% test accuracy."
    )

    @Option(help: "Directory with the Fashion-MNIST IDX files (train-images-idx3-ubyte.gz, …).") var dataDir: String = DatasetName.fashionMNIST.defaultDirectory ?? "."
    @Option(help: "Training epochs.") var epochs: Int = 1
    @Option(help: "Minibatch size.") var batchSize: Int = 128
    @Option(help: "SGD learning rate.") var lr: Double = 0.1
    @Option(help: "Train on the first N training images only (default: all 60,000).") var trainSubset: Int?
    @Option(help: "Evaluate on the first N test images only (default: all 10,000).") var testSubset: Int?
    @Option(help: "Save the trained model to this .safetensors file (loads into PyTorch; see `deat info`).") var save: String?
    @OptionGroup var runtime: RuntimeOptions

    func validate() throws {
        guard epochs >= 1 else { throw ValidationError("--epochs must be at least 1") }
        guard batchSize >= 1 else { throw ValidationError("--batch-size must be at least 1") }
        guard lr > 0, lr.isFinite else { throw ValidationError("--lr must be a positive number") }
        if let n = trainSubset, n < 1 { throw ValidationError("--train-subset must be at least 1") }
        if let n = testSubset, n < 1 { throw ValidationError("--test-subset must be at least 1") }
    }

    func run() throws {
        let device = try runtime.apply()
        if let save { try OutputDirectory.prepare(parentOf: URL(fileURLWithPath: save)) }  // now, not after training
        let directory = URL(fileURLWithPath: dataDir)
        let train = try TensorDataset(loadImageSet(.fashionMNIST, split: .train, directory: directory), first: trainSubset, device: device)
        let test = try TensorDataset(loadImageSet(.fashionMNIST, split: .test, directory: directory), first: testSubset, device: device)
        let model = try SmallCNN(device: device, generator: Generator(seed: runtime.seed))
        print("SmallCNN (\(model.parameterCount) parameters) on Fashion-MNIST: \(train.count) train / \(test.count) test images, "
            + "\(runtime.threads) thread(s), \(device), \(Runtime.libtorchVersion)")
        // The one training loop (Trainer) with clean training; its run files are scratch here.
        let scratch = FileManager.default.temporaryDirectory.appendingPathComponent("deat-demo-\(UUID().uuidString)")
        defer { try? FileManager.default.removeItem(at: scratch) }
        let trainer = try Trainer(
            config: config(), model: model, normalization: .fashionMNIST, train: train, validation: test.first(0), directory: scratch)
        let (images, labels) = try test.batch(0..<test.count)
        let progress = ProgressDisplay()
        var accuracyError: (any Error)?
        try trainer.run { event in
            progress.show(event, epochs: epochs)
            guard case .epochFinished(let record) = event else { return }
            progress.finish()
            do {
                let accuracy = Double(try correctCount(model: model, images: images, labels: labels)) / Double(test.count)
                print(String(format: "epoch %d: train loss %.4f, test accuracy %.2f%% (%d images), %.1f s",
                    record.epoch + 1, record.trainLoss, accuracy * 100, test.count, record.seconds))
            } catch {
                accuracyError = accuracyError ?? error
            }
        }
        if let accuracyError { throw accuracyError }
        if let save {
            let metadata = CheckpointMetadata(
                model: ModelKind.smallCNN.description, classes: 10, dataset: DatasetName.fashionMNIST.rawValue,
                normalizeMean: model.normalize.mean, normalizeStd: model.normalize.std, method: "standard", epoch: epochs)
            try Checkpoint.save(model, metadata: metadata, to: URL(fileURLWithPath: save))
            print("saved \(save)")
        }
    }

    /// Clean training at a constant learning rate with momentum 0.9 and no weight decay or
    /// augmentation, and no per-epoch validation (the demo reports test accuracy itself).
    func config() -> TrainingConfig {
        var c = TrainingConfig.defaults(method: .standard, dataset: .fashionMNIST)
        (c.dataDirectory, c.epochs, c.batchSize, c.trainSubset, c.seed) = (dataDir, epochs, batchSize, trainSubset, runtime.seed)
        (c.learningRate, c.schedule, c.momentum, c.weightDecay, c.augment) = (lr, .constant, 0.9, 0, false)
        (c.validationSize, c.checkpointMinutes) = (0, 1e9)
        return c
    }
}
