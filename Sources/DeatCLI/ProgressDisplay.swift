// ProgressDisplay.swift: the one place that turns the libraries' progress events into progress
// bars: a bar per training epoch, a bar per attack of an evaluation.
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
