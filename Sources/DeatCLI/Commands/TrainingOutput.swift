// TrainingOutput.swift: what `deat train` shows while a TrainingRun trains: the run's one-line
// summary, a progress bar per epoch on standard error, a table line per epoch on standard output,
// and the closing lines.
import Datasets
import Foundation
import Storage
import Torch
import Training

struct TrainingOutput {
    let run: TrainingRun
    let directory: URL
    let device: Device
    /// The data-parallel group this process belongs to; nil for a single-process run.
    let group: ProcessGroup?

    /// Trains to the end, printing as it goes (rank 0 only; the other ranks print only errors).
    func train() throws {
        let trainer = run.trainer
        guard trainer.isWriter else {
            _ = try run.resume()
            try trainer.run(Self.faultPoints)
            return
        }
        for leftover in run.removedTemporaries {
            FileHandle.standardError.write(Data("note: removed \(leftover), a temporary file left by an interrupted write\n".utf8))
        }
        for warning in run.warnings {
            FileHandle.standardError.write(Data("warning: \(warning)\n".utf8))
        }
        let resumed = try run.resume()
        let config = trainer.state.config
        print("\(config.method.rawValue) on \(config.dataset.rawValue) with \(config.model) (\(run.parameterCount) parameters), ε = \(config.epsilon), "
            + "\(config.epochs) epochs, batch \(config.batchSize)\(group.map { " × \($0.worldSize) processes (\($0.backend.rawValue))" } ?? ""), "
            + (config.dataset == .folder ? "\(config.imageTransform), " : config.augmentation == .none ? "" : "augmented by \(config.augmentation), ")
            + "\(Runtime.threads) thread(s)\(group == nil ? "" : " each"), \(device) → \(directory.path)"
            + (resumed ? " (resumed at epoch \(trainer.state.epoch + 1), batch \(trainer.state.batch))" : ""))
        if trainer.state.finished {
            print("the run is already complete; see \(trainer.files.log.path)")
            return
        }
        print("epoch    r        lr     loss   train%   time(s)   grad-mag    clean%     pgd%  backward")
        flushOutput()
        let progress = ProgressDisplay()
        try trainer.run { event in
            Self.faultPoints(event)
            progress.show(event, epochs: config.epochs)
            if case .epochFinished(let r) = event {
                print(String(
                    format: "%5d %4d %9.5f %8.4f %7.2f%% %9.1f %11.2f %7.2f%% %7.2f%% %9d",
                    r.epoch + 1, r.iterations, r.learningRate, r.trainLoss, r.trainAccuracy * 100, r.seconds, r.gradientMagnitude,
                    r.cleanAccuracy * 100, r.robustAccuracy * 100, r.totalBackwardPasses))
                if let stopped = r.stopped { print("stopped after epoch \(r.epoch + 1): \(stopped)") }
                if trainer.skippedImages > 0 {
                    print("epoch \(r.epoch + 1) skipped \(trainer.skippedImages) image(s) that could not be decoded (--skip-bad-images)")
                }
                flushOutput()
            }
        }
        if trainer.state.finished, let last = trainer.state.records.last {
            print(String(format: "done: %.1f min of training, %d backward passes; last epoch clean %.2f%%, PGD %.2f%%",
                last.totalSeconds / 60, last.totalBackwardPasses, last.cleanAccuracy * 100, last.robustAccuracy * 100)
                + " (\(last.validation))")
            let files = trainer.files
            let models = [files.model, files.best, files.modelScript, files.bestScript].filter { FileManager.default.fileExists(atPath: $0.path) }
            print("files: \((models + [files.log]).map(\.path).joined(separator: ", "))")
        }
    }

    /// The fault-injection seam of a training run (Storage/FaultInjection.swift): the `batch` kill
    /// point is a minibatch counted in the state, before any checkpoint of it.
    static func faultPoints(_ event: TrainingEvent) {
        if case .batch = event { FaultInjection.reached("batch") }
    }
}
