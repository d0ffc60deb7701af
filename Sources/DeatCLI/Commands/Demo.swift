// Demo.swift: `deat demo`, the README's first command until adversarial training lands: trains
// SmallCNN on Fashion-MNIST (clean training) and prints test accuracy. It exercises the whole
// stack: data reader → uint8 tensors → model → autograd → SGD.
import ArgumentParser
import DataFormats
import Datasets
import Evaluation
import Foundation
import Models
import NN
import SafeTensors
import Storage
import Torch

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
        let optimizer = try SGD(parameters: model.parameters(), learningRate: lr, momentum: 0.9)
        let shuffle = try Generator(seed: runtime.seed &+ 1)
        print("SmallCNN (\(model.parameterCount) parameters) on Fashion-MNIST: \(train.count) train / \(test.count) test images, "
            + "\(runtime.threads) thread(s), \(device), \(Runtime.libtorchVersion)")

        for epoch in 1...epochs {
            model.train()
            let order = try Tensor.randperm(train.count, generator: shuffle)
            let steps = (train.count + batchSize - 1) / batchSize
            let progress = ProgressBar(total: steps, label: "epoch \(epoch)/\(epochs)")
            let start = Date()
            var lossSum = 0.0
            for step in 0..<steps {
                let indices = try order.slice(step * batchSize..<min((step + 1) * batchSize, train.count))
                let (x, y) = try train.batch(indices: indices)
                let loss = try F.crossEntropy(model(x), target: y)
                try optimizer.zeroGrad()
                try loss.backward()
                try optimizer.step()
                let value = try loss.item()
                guard value.isFinite else {
                    throw CLIError("training diverged: loss is \(value) at epoch \(epoch), batch \(step + 1); lower --lr")
                }
                lossSum += value
                let rate = Double((step + 1) * batchSize) / max(Date().timeIntervalSince(start), 1e-9)
                progress.update(step + 1, String(format: "loss %.4f  %.0f img/s", lossSum / Double(step + 1), rate))
            }
            progress.finish()
            let (images, labels) = try test.batch(0..<test.count)
            let accuracy = Double(try correctCount(model: model, images: images, labels: labels)) / Double(test.count)
            print(String(format: "epoch %d: train loss %.4f, test accuracy %.2f%% (%d images), %.1f s",
                epoch, lossSum / Double(steps), accuracy * 100, test.count, Date().timeIntervalSince(start)))
        }
        if let save {
            let metadata = CheckpointMetadata(
                model: ModelKind.smallCNN.description, classes: 10, dataset: DatasetName.fashionMNIST.rawValue,
                normalizeMean: model.normalize.mean, normalizeStd: model.normalize.std, method: "standard", epoch: epochs)
            try Checkpoint.save(model, metadata: metadata, to: URL(fileURLWithPath: save))
            print("saved \(save)")
        }
    }
}
