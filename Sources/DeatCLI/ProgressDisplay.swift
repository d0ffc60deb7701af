// ProgressDisplay.swift: the one place that turns the libraries' progress events into progress
// bars: a bar per training epoch, a bar per attack of an evaluation, a bar per downloaded file.
import DataFetch
import Evaluation
import Foundation
import Training

final class ProgressDisplay {
    private var bar: ProgressBar?
    /// The epoch or attack the current bar is for.
    private var current = -1
    /// Put before every bar's label (e.g. "  " under a heading).
    private let indent: String

    init(indent: String = "") {
        self.indent = indent
    }

    /// A training event: the epoch's bar advances with r, the running loss and images/s.
    func show(_ event: TrainingEvent, epochs: Int) {
        switch event {
        case .batch(let epoch, let batch, let of, let iterations, let loss, let rate):
            start(epoch, total: of, label: "epoch \(epoch + 1)/\(epochs)")
            bar?.update(batch, String(format: "r %d  loss %.4f  %.0f img/s", iterations, loss, rate))
        case .validating:
            finish()
        case .started, .epochFinished, .checkpointed:
            break
        }
    }

    /// An evaluation's progress: a bar per attack, counting the points still robust of `points`.
    func show(_ p: EvaluationProgress, points: Int, label: String = "") {
        start(p.attackIndex, total: p.total, label: "\(label)[\(p.attackIndex + 1)/\(p.attackCount)] \(p.attack)")
        bar?.update(p.done, "robust \(p.robust)/\(points)")
    }

    /// A download's progress: a line naming the URL (and the byte it resumes from), then a bar in MiB.
    func show(_ event: FetchEvent) {
        switch event {
        case .downloading(_, let url, let from):
            finish()
            let resuming = from > 0 ? " (resuming after \(Self.size(from)))" : ""
            FileHandle.standardError.write(Data("\(indent)downloading \(url.absoluteString)\(resuming)\n".utf8))
        case .progress(let file, let received, let expected):
            // One bar per file; its total is known once the server has answered.
            guard let expected, expected > 0 else { return }
            let mebibytes = { (bytes: Int64) in Int((Double(bytes) / 1_048_576).rounded(.up)) }
            if bar == nil { bar = ProgressBar(total: mebibytes(expected), label: indent + file) }
            bar?.update(received == expected ? mebibytes(expected) : Int(received / 1_048_576), "MiB")
        case .ended:
            finish()
        case .verifying:
            break
        }
    }

    /// A byte count for people: "900 bytes", "1.2 KiB", "163.0 MiB".
    static func size(_ bytes: Int64) -> String {
        bytes < 1024 ? "\(bytes) bytes"
            : bytes < 1_048_576 ? String(format: "%.1f KiB", Double(bytes) / 1024) : String(format: "%.1f MiB", Double(bytes) / 1_048_576)
    }

    /// Ends the current bar's line.
    func finish() {
        bar?.finish()
        bar = nil
        current = -1
    }

    private func start(_ index: Int, total: Int, label: String) {
        guard bar == nil || index != current else { return }
        bar?.finish()
        current = index
        bar = ProgressBar(total: total, label: indent + label)
    }
}
