// TrainConfigFile.swift: the config.yaml `deat train` writes into its output directory
// (docs/architecture.md §9.5): the run's TrainingConfig and the process options, each under its
// option's key and in the text that option parses, so the file reruns the same run.
import Foundation
import Training

extension Train {
    /// Every option of a fresh run as resolved in `config`. Left out: options that are off and have
    /// no `off` spelling (no weight averaging, no training subset, the folder-only image options
    /// on other datasets), which is their default.
    func resolvedConfig(_ c: TrainingConfig, directory: URL) -> ResolvedConfig {
        func toggle(_ on: Bool) -> String { on ? "on" : "off" }
        var e: [(key: String, value: String)] = [("method", c.method.rawValue), ("setting", c.setting.rawValue)]
        if case .torchScript(let file) = c.model { e.append(("model-file", file)) } else { e.append(("model", c.model.description)) }
        e += [("dataset", c.dataset.rawValue), ("data-dir", c.dataDirectory)]
        if c.dataset == .folder {
            e.append(("image-size", "\(c.imageSize)"))
            e.append(("skip-bad-images", "\(c.skipBadImages)"))
        }
        e += [
            ("epochs", "\(c.epochs)"), ("eps", "\(c.epsilon)"), ("alpha", "\(c.alpha)"), ("gamma", "\(c.gamma)"),
            ("iterations", "\(c.iterations)"), ("beta", "\(c.beta)"), ("accuracy-threshold", "\(c.accuracyThreshold)"),
            ("noise-scale", "\(c.noiseScale)"), ("grad-align-lambda", "\(c.alignmentWeight)"), ("fat-tau", "\(c.fatTau)"),
            ("magnitude-source", c.magnitudeSource.rawValue), ("lr", "\(c.learningRate)"), ("lr-schedule", c.schedule.rawValue),
            ("lr-milestones", c.lrMilestones.description), ("overfitting-guard", toggle(c.overfittingGuard)),
        ]
        if c.weightAveraging > 0 { e.append(("weight-averaging", "\(c.weightAveraging)")) }
        e += [("label-smoothing", "\(c.labelSmoothing)"), ("momentum", "\(c.momentum)"), ("weight-decay", "\(c.weightDecay)"),
              ("batch-size", "\(c.batchSize)")]
        if let subset = c.trainSubset { e.append(("train-subset", "\(subset)")) }
        e += [
            ("validation-size", "\(c.validationSize)"), ("augment", toggle(c.augment)), ("rotation", "\(c.rotation)"),
            ("carry-perturbation", toggle(c.carryPerturbation)), ("checkpoint-minutes", "\(c.checkpointMinutes)"),
            ("out", directory.path), ("keep-epochs", "\(c.keepEpochs)"), ("channels-last", "\(c.channelsLast)"),
            ("autocast", c.autocast.rawValue), ("convolutions", c.convolutions.rawValue),
        ]
        if nprocPerNode > 1 { e.append(("nproc-per-node", "\(nprocPerNode)")) }
        if let distBackend { e.append(("dist-backend", distBackend.rawValue)) }
        e += [("dist-timeout", "\(distTimeout)"), ("threads", "\(runtime.threads)"), ("device", runtime.device.description),
              ("seed", "\(c.seed)")]
        return ResolvedConfig(command: "train", entries: e)
    }
}
