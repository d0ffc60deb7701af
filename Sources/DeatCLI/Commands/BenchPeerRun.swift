// BenchPeerRun.swift: `deat bench peer-run` (hidden): deat's side of `deat bench peer`, run as a
// child process so that its peak resident memory is measured exactly as the PyTorch side's is. It
// trains M+DEAT or FREE-m with the Trainer (no per-epoch validation, so the timed work is the
// training loop only, as scripts/bench/peer.py times it) from the given initial weights, then runs
// PGD-20 on the first N test points, and prints one JSON line.
import ArgumentParser
import Attacks
import DataFormats
import Datasets
import Evaluation
import Foundation
import Models
import NN
import Reports
import Torch
import Training

struct BenchPeerRun: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "peer-run", abstract: "deat's side of `deat bench peer` (one child process).", shouldDisplay: false)

    @Option(help: "mplus-deat or free-N.") var method: String
    @Option(help: "Initial SmallCNN weights (safetensors).") var initial: String
    @Option(help: "Scratch directory for the run's files.") var work: String
    @Option(help: "Epochs.") var epochs: Int
    @Option(help: "First N training images.") var trainSubset: Int
    @Option(help: "First N test points for PGD-20.") var n: Int
    @Option(help: "Dataset directory.") var dataDir: String = DatasetName.fashionMNIST.defaultDirectory ?? "."
    @OptionGroup var runtime: RuntimeOptions

    func run() throws {
        let device = try runtime.apply()
        let entry = try PaperBench.Entry(parsing: method)
        var config = TrainingConfig.defaults(method: entry.method, dataset: .fashionMNIST, iterations: entry.iterations)
        (config.dataDirectory, config.epochs, config.trainSubset) = (dataDir, epochs, trainSubset)
        (config.validationSize, config.seed, config.checkpointMinutes) = (0, runtime.seed, 1e9)
        let folder = URL(fileURLWithPath: dataDir)
        let trainSet = try loadImageSet(.fashionMNIST, split: .train, directory: folder)
        let testSet = try loadImageSet(.fashionMNIST, split: .test, directory: folder)
        let model = try ModelKind.smallCNN.build(classes: 10, normalization: .fashionMNIST, device: device)
        _ = try Checkpoint.load(into: model, from: URL(fileURLWithPath: initial))
        let directory = URL(fileURLWithPath: work)
        try? FileManager.default.removeItem(at: directory)  // always a fresh run: this is a timing
        let trainer = try Trainer(
            config: config, model: model, normalization: .fashionMNIST, train: TensorDataset(trainSet, first: trainSubset, device: device),
            validation: TensorDataset(testSet, first: 0, device: device), directory: directory)
        try trainer.run()
        let records = trainer.state.records
        let points = try TensorDataset(testSet, first: n, device: device)
        let (x, y) = try points.batch(0..<points.count)
        let started = Date()
        let pgd = PGD(epsilon: config.epsilon, stepSize: config.epsilon / 4, steps: 20)
        let result = try RobustnessEvaluator(model: model, attacks: [pgd], epsilon: config.epsilon, batchSize: 250, seed: runtime.seed)
            .run(images: x, labels: y)
        let line: [String: Any] = [
            "epoch_seconds": records.map(\.seconds), "iterations": records.map(\.iterations),
            "backward_passes": records.last?.totalBackwardPasses ?? 0, "images_per_epoch": trainer.state.config.trainSubset ?? 0,
            "train_loss": records.last?.trainLoss ?? 0, "clean": result.cleanAccuracy, "pgd20": result.robustAccuracy,
            "eval_seconds": Date().timeIntervalSince(started), "threads": Runtime.threads,
        ]
        print(String(decoding: try JSONSerialization.data(withJSONObject: line, options: [.sortedKeys]), as: UTF8.self))
    }
}
