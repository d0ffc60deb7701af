// EvaluationRun.swift: `deat eval` as a library call (docs/attacks.md §1, §10): load a checkpoint
// and the first N test points, check that they fit, run the attack list point-wise worst case with
// a resumable state file, add the sanity flags (and an optional ε-sweep), and write the JSON report
// and, when asked, the adversarial images (docs/attacks.md §10.6).
// The CLI parses the options into `EvaluationSettings`, then prints what `prepare` and `run` return.
//
//   var settings = EvaluationSettings(modelFile: URL(fileURLWithPath: "runs/m/best.safetensors"))
//   let run = try EvaluationRun(settings, device: .cpu)
//   let outcome = try run.run { progress in … }
import Attacks
import DataFormats
import Datasets
import Foundation
import Models
import NN
import Storage
import Torch

/// Everything a user settles about an evaluation.
public struct EvaluationSettings: Sendable {
    /// The checkpoint (`.safetensors`) or TorchScript file (`.pt`) to evaluate.
    public var modelFile: URL
    /// nil: the dataset in the checkpoint's metadata, else Fashion-MNIST.
    public var dataset: DatasetName?
    /// nil: the dataset's Debian location.
    public var dataDirectory: URL?
    /// `.folder`: the side of the evaluated images (Resize + CenterCrop of DIR/val).
    public var imageSize = 224
    /// Attack sets and attacks, comma-separated (AttackSuite's grammar: "aa-standard", "pgd-20,cw-20").
    public var attacks = "aa-standard"
    /// Attack parameters that `attacks` leaves open (step fraction, CW κ, targets, Square's queries).
    public var options = AttackSuite.Options()
    /// nil: the training ε in the checkpoint's metadata, else 8/255 for CIFAR and 0.1 otherwise.
    public var epsilon: Epsilon?
    /// The threat model's norm.
    public var norm = ThreatNorm.linf
    /// Evaluate the first `count` test points.
    public var count = 1000
    /// Points per attack batch.
    public var batchSize = 250
    /// nil: the model file with `.eval.json`.
    public var reportFile: URL?
    /// nil: the report path with `.state`.
    public var stateFile: URL?
    /// Start over instead of resuming from the state file.
    public var fresh = false
    /// Points of the ε-sweep sanity check (0: off).
    public var sweepPoints = 0
    /// The seed every attack's random draws derive from.
    public var seed: UInt64 = 0
    /// Where to save every point's final input (`--save-adversarial`); nil: not saved.
    public var adversarialFile: URL?

    /// Defaults for everything but the model: AutoAttack standard on the first 1000 test points.
    public init(modelFile: URL) {
        self.modelFile = modelFile
    }
}

/// An evaluation ready to run: model loaded and checked against its data, output files prepared.
public struct EvaluationRun {
    /// The settings the run was made from.
    public let settings: EvaluationSettings
    /// The model, in eval mode.
    public let model: any Layer
    /// The model's architecture (or TorchScript).
    public let kind: ModelKind
    /// The dataset of the test points.
    public let dataset: DatasetName
    /// The radius the attacks use.
    public let epsilon: Epsilon
    /// The attacks, in the order they run.
    public let attacks: [any Attack]
    /// The test points' images [N, C, H, W] in [0, 1].
    public let images: Tensor
    /// The test points' labels [N], int64.
    public let labels: Tensor
    /// Where the JSON report is written.
    public let reportFile: URL
    /// Where the resumable state is written after every batch.
    public let stateFile: URL
    /// Temp files of interrupted report or state writes that were removed.
    public let removedTemporaries: [String]
    private let device: Device

    /// Loads the model and the test points on `device`, checks that the model takes them, and prepares the
    /// output files; throws before any attack runs.
    public init(_ settings: EvaluationSettings, device: Device) throws {
        self.settings = settings
        self.device = device
        let (network, kind, metadata) = try loadModel(from: settings.modelFile, device: device)
        network.eval()
        (model, self.kind) = (network, kind)
        dataset = settings.dataset ?? metadata.dataset.flatMap(DatasetName.init(rawValue:)) ?? .fashionMNIST
        let cifar = dataset == .cifar10 || dataset == .cifar100
        epsilon = settings.epsilon ?? metadata.epsilon.map(Epsilon.init) ?? Epsilon(cifar ? 8.0 / 255 : dataset == .folder ? 4.0 / 255 : 0.1)
        attacks = try AttackSuite.parse(settings.attacks, epsilon: epsilon.value, norm: settings.norm, options: settings.options)
        reportFile = settings.reportFile ?? settings.modelFile.deletingPathExtension().appendingPathExtension("eval.json")
        stateFile = settings.stateFile ?? URL(fileURLWithPath: reportFile.path + ".state")
        // Before any work: an unwritable place for the results fails now, not after the attacks.
        var removed: [String] = []
        for file in [reportFile, stateFile] + [settings.adversarialFile].compactMap({ $0 }) {
            try OutputDirectory.prepare(parentOf: file)
            removed += AtomicFile.removeLeftovers(of: file)
        }
        removedTemporaries = removed
        if settings.fresh {
            try? FileManager.default.removeItem(at: stateFile)
            try? FileManager.default.removeItem(at: AdversarialImages.directory(besides: stateFile))
        }

        let directory = settings.dataDirectory ?? URL(fileURLWithPath: dataset.defaultDirectory ?? ".")
        let points = try evaluationPoints(dataset, directory: directory, count: settings.count, imageSize: settings.imageSize, device: device).points
        try checkModel(
            network, channels: kind.isTorchScript ? nil : metadata.normalizeMean?.count ?? 1, named: settings.modelFile.lastPathComponent,
            accepts: points, dataset: dataset.rawValue)
        (images, labels) = try points.batch(0..<points.count)
        evaluationLog.debug(
            "model \(settings.modelFile.path) (\(kind.description)); data: \(dataset.rawValue) from \(directory.path), \(points.count) test points; ε = \(epsilon.text) (\(settings.norm.rawValue)); attacks: \(attacks.map(\.name).joined(separator: ", ")); report \(reportFile.path), state \(stateFile.path)")
    }

    /// What `run` returns besides the report it wrote.
    public struct Outcome {
        /// The report, also written to `reportFile`.
        public let report: EvaluationReport
        /// Whether the attacks continued from the state file.
        public let resumed: Bool
        /// The ε-sweep's robust accuracies (empty unless `sweepPoints` > 0).
        public let sweep: [(epsilon: Double, robustAccuracy: Double)]
    }

    /// Runs the attacks (resuming from the state file), the sanity checks, and writes the report.
    public func run(progress: @escaping (EvaluationProgress) -> Void = { _ in }) throws -> Outcome {
        let started = Date()
        var flags = try probeFlags()
        var evaluator = RobustnessEvaluator(
            model: model, attacks: attacks, norm: settings.norm, epsilon: epsilon.value, batchSize: settings.batchSize,
            seed: settings.seed, stateFile: stateFile)
        evaluator.progress = progress
        evaluator.keepAdversarial = settings.adversarialFile != nil
        let (result, adversarial) = try evaluator.runKeepingAdversarial(images: images, labels: labels)
        flags += [SanityChecks.squareBeatsWhiteBox(result)].compactMap { $0 }
        let (sweep, sweepFlags) = try epsilonSweep()
        flags += sweepFlags
        var report = EvaluationReport(
            result: result, model: settings.modelFile.relativePath, dataset: dataset.rawValue, split: "test",
            norm: settings.norm.rawValue, epsilon: epsilon.value, epsilonText: epsilon.text, attackSet: settings.attacks,
            seed: settings.seed, device: device.description, dtype: "float32", threads: Runtime.threads,
            batchSize: settings.batchSize, flags: flags, totalSeconds: Date().timeIntervalSince(started),
            deatVersion: Runtime.deatVersion, labels: try labels.ints(), modelName: modelName, architecture: kind.description,
            standardAutoAttack: AttackSuite.isStandard(attacks, epsilon: epsilon.value))
        report.epsilonSweep = sweep.isEmpty ? nil : sweep.map { [$0.epsilon, $0.robustAccuracy] }
        if let file = settings.adversarialFile, let adversarial {
            try AdversarialFile.write(
                images: adversarial, clean: images, labels: labels, brokenBy: result.brokenBy, attackNames: attacks.map(\.name),
                model: model, norm: settings.norm, epsilon: epsilon.value, batchSize: settings.batchSize,
                metadata: [
                    "model": settings.modelFile.relativePath, "dataset": dataset.rawValue, "split": "test", "norm": settings.norm.rawValue,
                    "epsilon": "\(epsilon.value)", "attack_set": settings.attacks, "seed": "\(settings.seed)", "deat_version": Runtime.deatVersion,
                ], to: file)
            report.adversarialFile = file.relativePath
        }
        try AtomicFile.write(report.json(), to: reportFile)
        return Outcome(report: report, resumed: result.resumed, sweep: sweep)
    }

    /// RobustBench's `model_name`: the run directory and the checkpoint's stem, "run/best".
    private var modelName: String {
        let file = settings.modelFile.standardizedFileURL
        return file.deletingLastPathComponent().lastPathComponent + "/" + file.deletingPathExtension().lastPathComponent
    }

    /// The model-level checks on the first batch: randomness, softmax outputs, zero gradients.
    private func probeFlags() throws -> [SanityFlag] {
        let probe = try images.narrowed(dim: 0, start: 0, length: min(images.shape[0], settings.batchSize))
        let probeLabels = try labels.narrowed(dim: 0, start: 0, length: probe.shape[0])
        return [
            try SanityChecks.stochasticModel(model, images: probe), try SanityChecks.softmaxOutputs(model, images: probe),
            try SanityChecks.zeroGradients(model, images: probe, labels: probeLabels),
        ].compactMap { $0 }
    }

    /// PGD-20 over ε from 0 to 255/255 on the first `sweepPoints` points, when asked for.
    private func epsilonSweep() throws -> ([(epsilon: Double, robustAccuracy: Double)], [SanityFlag]) {
        guard settings.sweepPoints > 0 else { return ([], []) }
        let m = min(settings.sweepPoints, images.shape[0])
        let epsilons = [0, 1, 2, 4, 8, 16, 32, 64, 128, 255].map { Double($0) / 255 }
        return try SanityChecks.epsilonSweep(
            model, images: images.narrowed(dim: 0, start: 0, length: m), labels: labels.narrowed(dim: 0, start: 0, length: m),
            epsilons: epsilons, seed: settings.seed
        ) { e in PGD(epsilon: e, stepSize: e / 4, steps: 20) }
    }
}
