// PeerTraining.swift: `deat bench peer` as library calls: M+DEAT or FREE-m training of SmallCNN on
// Fashion-MNIST plus PGD-20, in deat (PeerTraining.run, one child process `deat bench peer-run`) and
// in PyTorch (scripts/bench/peer.py, the same per-batch work). Both sides start from the same initial
// weights (writeInitialWeights) and draw the same data order and δ starts (same libtorch generator,
// same derived seeds), so their accuracies should agree closely; both print one JSON object, read
// back as PeerFigures, with each child's own peak resident memory.
import Attacks
import DataFormats
import Datasets
import Evaluation
import Foundation
import Models
import NN
import Torch
import Training

/// deat's side of `deat bench peer`: train, then PGD-20, timing the training loop only (no per-epoch
/// validation), as scripts/bench/peer.py times it.
public struct PeerTraining {
    /// The methods both sides implement: mplus-deat and free-N.
    public static func isSupported(_ method: String) -> Bool {
        method == "mplus-deat" || (method.hasPrefix("free-") && Int(method.dropFirst(5)).map { $0 >= 1 } == true)
    }

    public static let peerScript = "peer.py"

    /// The shared starting point: SmallCNN initialised from the seed as `deat train` does.
    public static func writeInitialWeights(seed: UInt64, to url: URL) throws {
        let model = try ModelKind.smallCNN.build(
            normalization: .fashionMNIST, generator: Generator(seed: Generator.derivedSeed(seed, -1)))
        try Checkpoint.save(
            model, metadata: CheckpointMetadata(model: "small-cnn", classes: 10, normalizeMean: [0.2860], normalizeStd: [0.3530]),
            to: url)
    }

    public var method: String
    public var initialWeights: URL
    /// Scratch directory for the run's files (removed first: this is a timing, never a resume).
    public var work: URL
    public var epochs: Int
    public var trainSubset: Int
    public var n: Int
    public var dataDirectory: String
    public var seed: UInt64
    public var device: Device = .cpu

    public init(method: String, initialWeights: URL, work: URL, epochs: Int, trainSubset: Int, n: Int, dataDirectory: String, seed: UInt64) {
        (self.method, self.initialWeights, self.work, self.epochs) = (method, initialWeights, work, epochs)
        (self.trainSubset, self.n, self.dataDirectory, self.seed) = (trainSubset, n, dataDirectory, seed)
    }

    /// The options the two sides share on their command lines (each adds its own --threads).
    public var sharedArguments: [String] {
        ["--epochs", "\(epochs)", "--train-subset", "\(trainSubset)", "--n", "\(n)", "--seed", "\(seed)", "--data-dir", dataDirectory]
    }

    /// The PyTorch side's arguments.
    public var peerArguments: [String] { ["--method", method, "--initial", initialWeights.path] + sharedArguments }

    /// Trains and evaluates; returns the result object the PyTorch side prints too.
    public func run() throws -> [String: Any] {
        let entry = try PaperBench.Entry(parsing: method)
        var config = TrainingConfig.defaults(method: entry.method, dataset: .fashionMNIST, iterations: entry.iterations)
        (config.dataDirectory, config.epochs, config.trainSubset) = (dataDirectory, epochs, trainSubset)
        (config.validationSize, config.seed, config.checkpointMinutes) = (0, seed, 1e9)
        let folder = URL(fileURLWithPath: dataDirectory)
        let trainSet = try loadImageSet(.fashionMNIST, split: .train, directory: folder)
        let testSet = try loadImageSet(.fashionMNIST, split: .test, directory: folder)
        let model = try ModelKind.smallCNN.build(classes: 10, normalization: .fashionMNIST, device: device)
        _ = try Checkpoint.load(into: model, from: initialWeights)
        try? FileManager.default.removeItem(at: work)
        let trainer = try Trainer(
            config: config, model: model, normalization: .fashionMNIST, train: TensorDataset(trainSet, first: trainSubset, device: device),
            validation: TensorDataset(testSet, first: 0, device: device), directory: work)
        try trainer.run()
        let records = trainer.state.records
        let points = try TensorDataset(testSet, first: n, device: device)
        let (x, y) = try points.batch(0..<points.count)
        let started = Date()
        let pgd = PGD(epsilon: config.epsilon, stepSize: config.epsilon / 4, steps: 20)
        let result = try RobustnessEvaluator(model: model, attacks: [pgd], epsilon: config.epsilon, batchSize: 250, seed: seed)
            .run(images: x, labels: y)
        return [
            "epoch_seconds": records.map(\.seconds), "iterations": records.map(\.iterations),
            "backward_passes": records.last?.totalBackwardPasses ?? 0, "images_per_epoch": trainer.state.config.trainSubset ?? 0,
            "train_loss": records.last?.trainLoss ?? 0, "clean": result.cleanAccuracy, "pgd20": result.robustAccuracy,
            "eval_seconds": Date().timeIntervalSince(started), "threads": Runtime.threads, ResidentMemory.resultKey: ResidentMemory.peakKiB,
        ]
    }
}

/// One side's figures from one run of `deat bench peer`.
public struct PeerFigures: Sendable {
    public let epochSeconds: [Double]
    public let iterations: [Int]
    public let imagesPerEpoch: Int
    public let backwardPasses: Int
    public let clean: Double
    public let pgd20: Double
    public let peakKiB: Int

    public var totalSeconds: Double { epochSeconds.reduce(0, +) }
    public var secondsPerEpoch: Double { totalSeconds / Double(max(epochSeconds.count, 1)) }
    public var imagesPerSecond: Double { Double(imagesPerEpoch * epochSeconds.count) / max(totalSeconds, 1e-9) }
    public var backwardPerSecond: Double { Double(backwardPasses) / max(totalSeconds, 1e-9) }

    public init(_ result: PeerResult) throws {
        epochSeconds = try result.doubles("epoch_seconds")
        iterations = try result.ints("iterations")
        imagesPerEpoch = try result.int("images_per_epoch")
        backwardPasses = try result.int("backward_passes")
        clean = try result.double("clean")
        pgd20 = try result.double("pgd20")
        peakKiB = result.peakKiB
    }

    /// One row of the comparison: a figure on each side, and its printf format.
    public struct Row: Sendable {
        public let label: String
        public let deat: Double
        public let torch: Double
        public let format: String
    }

    /// The comparison of both sides' runs: medians of the timings, the last run's accuracies, the
    /// largest peak memory.
    public static func comparison(deat: [PeerFigures], torch: [PeerFigures]) -> [Row] {
        let d = deat.last!, t = torch.last!
        func both(_ label: String, _ figure: (PeerFigures) -> Double, _ format: String) -> Row {
            Row(label: label, deat: Timing.median(deat.map(figure)), torch: Timing.median(torch.map(figure)), format: format)
        }
        return [
            both("time per epoch (s)", \.secondsPerEpoch, "%.2f"),
            both("images/s", \.imagesPerSecond, "%.0f"),
            both("backward passes/s", \.backwardPerSecond, "%.1f"),
            Row(label: "clean accuracy (%)", deat: d.clean * 100, torch: t.clean * 100, format: "%.2f"),
            Row(label: "PGD-20 accuracy (%)", deat: d.pgd20 * 100, torch: t.pgd20 * 100, format: "%.2f"),
            Row(label: "peak RSS (MiB)", deat: Double(deat.map(\.peakKiB).max()!) / 1024, torch: Double(torch.map(\.peakKiB).max()!) / 1024,
                format: "%.0f"),
        ]
    }
}
