// CheckpointAnalysis.swift: `deat analyze` as a library call (the paper's claims, docs/methods.md
// §6): for each checkpoint, the mean ‖∇_x̃ CE‖₁ at PGD-10 points (proposal 2) and the mean dominant
// input-Hessian eigenvalue by power iteration on double-backward Hessian-vector products
// (proposal 3), on the same fixed probe set (the first N test points); then their Pearson and
// Spearman correlation across checkpoints, and of the logged M(e) against the curvature when the
// checkpoints are a run's epoch-N.safetensors.
//
//   let table = try CheckpointAnalysis(n: 256).run(CheckpointAnalysis.expand([runDirectory]))
import DataFormats
import Datasets
import Evaluation
import Foundation
import Models
import NN
import Torch

/// `deat analyze` as a library call: per checkpoint, the mean input-gradient L1 norm at PGD-10
/// points and the dominant input-Hessian eigenvalue on the same probe set, then their correlations.
public struct CheckpointAnalysis {
    /// One checkpoint to measure, with the run's M(e) of its epoch when known.
    public struct Item {
        public let url: URL
        public let epoch: Int?
        public let epochMagnitude: Double?
    }

    public var n: Int
    public var pgdSteps = 10
    public var powerIterations = 20
    public var batchSize = 100
    /// ε in pixel units; nil: the checkpoint's training ε.
    public var epsilon: Double?
    public var dataset: DatasetName?
    public var dataDirectory: String?
    /// `.folder`: the side of the analysed images (Resize + CenterCrop of DIR/val).
    public var imageSize = 224
    public var device: Device = .cpu
    public var seed: UInt64 = 0

    public init(n: Int) { self.n = n }

    /// Files stay as given; a directory becomes its epoch-N.safetensors (from `deat train
    /// --keep-epochs`) in epoch order, each with M(e) from the directory's log.
    public static func expand(_ paths: [URL]) throws -> [Item] {
        var items: [Item] = []
        for url in paths {
            var isDirectory: ObjCBool = false
            guard FileManager.default.fileExists(atPath: url.path, isDirectory: &isDirectory) else {
                throw ReportError("\(url.path) does not exist")
            }
            guard isDirectory.boolValue else {
                items.append(Item(url: url, epoch: nil, epochMagnitude: nil))
                continue
            }
            let run = try RunDirectory(url)
            let models = run.epochModels()
            guard !models.isEmpty else {
                throw ReportError("\(url.path) holds no epoch-N.safetensors: train with `deat train --keep-epochs`, or name checkpoint files")
            }
            for (epoch, file) in models {
                let magnitude = run.records.first { $0.epoch == epoch - 1 }?.gradientMagnitude
                items.append(Item(url: file, epoch: epoch, epochMagnitude: magnitude))
            }
        }
        return items
    }

    public func run(_ items: [Item], progress: (Int, AnalysisTable.Row) -> Void = { _, _ in }) throws -> AnalysisTable {
        guard let first = items.first else { throw ReportError("no checkpoints to analyse") }
        let metadata = try modelFileMetadata(first.url)
        let recorded = try metadata.dataset.map { text in
            guard let name = DatasetName(rawValue: text) else { throw ReportError("\(first.url.lastPathComponent): unknown dataset '\(text)' in its metadata") }
            return name
        }
        let name = dataset ?? recorded ?? .fashionMNIST
        let datasetName = name.rawValue
        let eps = epsilon ?? metadata.epsilon ?? (name == .cifar10 || name == .cifar100 ? 8.0 / 255 : name == .folder ? 4.0 / 255 : 0.1)
        let directory = URL(fileURLWithPath: dataDirectory ?? name.defaultDirectory ?? ".")
        let points = try evaluationPoints(name, directory: directory, count: n, imageSize: imageSize, device: device).points
        let probe = CurvatureProbe(epsilon: eps, pgdSteps: pgdSteps, powerIterations: powerIterations, batchSize: batchSize, seed: seed)
        var table = AnalysisTable(
            setting: "\(datasetName), first \(points.count) test points, PGD-\(pgdSteps) (CE, step 2.5ε/\(pgdSteps)) at ε = \(String(format: "%.4g", eps)), "
                + "λmax by \(powerIterations) power iterations on double-backward Hessian-vector products, normalised-input units "
                + "(deat's proxies 2 and 3 of docs/methods.md §6; the paper's own estimate is unknown)",
            rows: [])
        let (x, y) = try points.batch(0..<points.count)  // float images in [0, 1]
        for (i, item) in items.enumerated() {
            let (model, kind, meta) = try loadModel(from: item.url, device: device)
            try checkModel(
                model, channels: kind.isTorchScript ? nil : meta.normalizeMean?.count ?? 1, named: item.url.lastPathComponent,
                accepts: points, dataset: datasetName)
            // A TorchScript model keeps its normalisation to itself: measure in the dataset's usual units.
            let std = meta.normalizeStd ?? (kind.isTorchScript ? Normalization.forDataset(name).std : [1])
            let scale = try Tensor(std, shape: [1, std.count, 1, 1], on: device)
            let m = try probe.measure(model: model, images: x, labels: y, inputScale: scale)
            let row = AnalysisTable.Row(
                checkpoint: item.url.lastPathComponent, epoch: item.epoch ?? meta.epoch, epochMagnitude: item.epochMagnitude,
                meanGradientL1: m.meanGradientL1, meanTopEigenvalue: m.meanTopEigenvalue, robustAccuracy: m.robustAccuracy)
            table.rows.append(row)
            progress(i, row)
        }
        table.computeCorrelations()
        return table
    }
}

extension AnalysisTable {
    /// Fills the correlation fields from the rows (M(e) only over the rows that have it).
    public mutating func computeCorrelations() {
        let g = rows.map(\.meanGradientL1), c = rows.map(\.meanTopEigenvalue)
        pearsonGradientCurvature = Correlation.pearson(g, c)
        spearmanGradientCurvature = Correlation.spearman(g, c)
        let logged = rows.filter { $0.epochMagnitude != nil }
        if logged.count >= 2 {
            let m = logged.map { $0.epochMagnitude! }, lc = logged.map(\.meanTopEigenvalue)
            pearsonMagnitudeCurvature = Correlation.pearson(m, lc)
            spearmanMagnitudeCurvature = Correlation.spearman(m, lc)
        }
    }

    /// The table `deat analyze` prints.
    public func text() -> String {
        var lines = [setting, "checkpoint                 epoch        M(e)   mean‖∇‖₁    mean λmax   PGD acc"]
        for r in rows {
            let epoch = r.epoch.map(String.init) ?? "–", m = r.epochMagnitude.map { String(format: "%.4g", $0) } ?? "–"
            lines.append(
                r.checkpoint.padding(toLength: 24, withPad: " ", startingAt: 0) + " " + leftPad(epoch, 6) + " " + leftPad(m, 11)
                    + String(format: " %10.4g %12.4g %8.2f%%", r.meanGradientL1, r.meanTopEigenvalue, r.robustAccuracy * 100))
        }
        lines.append(AnalysisText.correlations(self))
        return lines.joined(separator: "\n")
    }
}

func leftPad(_ s: String, _ width: Int) -> String {
    s.count >= width ? s : String(repeating: " ", count: width - s.count) + s
}
