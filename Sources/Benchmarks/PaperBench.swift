// PaperBench.swift: `deat bench paper` as a library call: the paper's Table 1 comparison
// (docs/methods.md §2, §3.1) on one dataset and model, written as Reports' BenchTable. Every method
// trains from the same seed (same initial weights, same data order) for the same epochs with the
// Trainer, then the selected checkpoint is evaluated with PGD-100 (Table 1's), PGD-20, CW-20 and
// AutoAttack (standard) on the same test points with the RobustnessEvaluator: the whole test split
// for CIFAR, as Table 1 (docs/methods.md §5), or the first N. Everything is resumable: a finished
// method (log complete and its four eval-*.json written) is not rerun, an unfinished training
// continues from its checkpoint, an unfinished evaluation from its state file, and a finished
// evaluation is read back from its report (so adding PGD-100 to an older bench runs only PGD-100).
//
//   OUT/<method>/{checkpoint,model,best}.safetensors, log.jsonl, eval-{pgd-100,pgd-20,cw-20,aa}.json
//   OUT/bench.json, OUT/bench.md      (rewritten after every method)
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

public struct PaperBench {
    /// A row of the comparison: a method and its replay/step count, named like the paper ("free-8").
    public struct Entry: Sendable, Equatable {
        public let name: String
        public let method: MethodName
        public let iterations: Int?
        /// The M+ threshold factor γ when the row names one ("mplus-deat@1.01"), else the setting's.
        public let gamma: Double?

        /// "mplus-deat", "deat", "free-8", "pgd-7", "fgsm-rs", "mplus-trades", …, and "mplus-deat@1.01"
        /// for a γ of its own (Table 7's second M+DEAT row).
        public init(parsing text: String) throws {
            if let at = text.lastIndex(of: "@") {
                guard let g = Double(text[text.index(after: at)...]), g > 0 else {
                    throw TorchError("bench method '\(text)': after @ comes the M+ factor γ, e.g. mplus-deat@1.01")
                }
                let base = try Entry(parsing: String(text[..<at]))
                (name, method, iterations, gamma) = (text, base.method, base.iterations, g)
                return
            }
            gamma = nil
            if let m = MethodName(rawValue: text) {
                (name, method, iterations) = (text, m, nil)
                return
            }
            guard let dash = text.lastIndex(of: "-"), let n = Int(text[text.index(after: dash)...]), n >= 1,
                let m = MethodName(rawValue: String(text[..<dash]))
            else {
                throw TorchError("unknown bench method '\(text)'; expected a training method, optionally with -N replays/steps (free-8, pgd-7)")
            }
            (name, method, iterations) = (text, m, n)
        }
    }

    /// Table 1's fifteen rows (docs/methods.md §3.1), all of them, and deat's two other baselines, DEAT
    /// with its linear schedule and FGSM-RS; `yopo-5` is YOPO-5-3 (K = 5 full passes, σ = 3 inner
    /// steps, which is fixed).
    public static let tableOneMethods =
        "mplus-deat,deat,free-4,free-6,free-8,fgsm-rs,pgd-7,mplus-pgd,trades,mplus-trades,mart,mplus-mart,fat-5,fat-trades,fat-mart,amata,yopo-5"
    /// The second block: DEAT-p from the official code, M+FAT and M+Amata, and today's single-step methods.
    public static let beyondTableOneMethods = "deat-p,mplus-fat,mplus-amata,nfgsm,gradalign"
    /// The default: both blocks.
    public static let paperMethods = tableOneMethods + "," + beyondTableOneMethods
    /// Table 7's rows (ImageNet, ResNet-50, `--setting imagenet`): FREE-4 and M+DEAT with γ = 1.1 and 1.01.
    public static let tableSevenMethods = "free-4,mplus-deat,mplus-deat@1.01"

    /// The entries of a comma-separated list, where `table1` and `beyond` stand for the two blocks.
    public static func entries(parsing list: String) throws -> [Entry] {
        try list.split(separator: ",").flatMap { item -> [Entry] in
            switch item.trimmingCharacters(in: .whitespaces) {
            case "table1": try entries(parsing: tableOneMethods)
            case "beyond": try entries(parsing: beyondTableOneMethods)
            case "table7": try entries(parsing: tableSevenMethods)
            case let name: [try Entry(parsing: name)]
            }
        }
    }

    /// Whether `name` is one of the second block's rows (the table sets them apart).
    static func isBeyondTableOne(_ name: String) -> Bool {
        beyondTableOneMethods.split(separator: ",").contains { $0 == name }
    }

    public enum Selection: String, Sendable { case best, last }

    public enum Event {
        case method(name: String, index: Int, count: Int)
        case training(name: String, event: TrainingEvent)
        case evaluating(name: String, attacks: String)
        case evaluation(EvaluationProgress)
        case finished(BenchRow, reused: Bool)
        /// The method's training diverged; its row says where, and the bench goes on.
        case diverged(BenchRow, TrainingDiverged)
    }

    public var dataset: DatasetName
    /// nil: the dataset's default model; `.torchScript` trains the same TorchScript model with every method.
    public var model: ModelKind?
    public var dataDirectory: String?
    public var entries: [Entry]
    public var epochs: Int?
    public var trainSubset: Int?
    /// The paper setting whose recipes give every method's defaults (docs/methods.md §2.6).
    public var setting = TrainingSetting.standard
    /// Per-epoch validation points; nil: the setting's (2,560 on CIFAR in standard, none in fast).
    public var validationSize: Int?
    /// Evaluate the first `n` test points; nil: all of them (Table 1 uses the whole CIFAR-10 test set).
    public var n: Int?
    public var epsilon: Double?
    /// Every method's learning rate (its peak, for cyclic schedules) instead of its recipe's; nil: the recipe's.
    public var learningRate: Double?
    public var selection = Selection.best
    public var attackOptions = AttackSuite.Options()
    public var evalBatchSize = 250
    public var seed: UInt64 = 0
    public var device: Device = .cpu
    /// The training steps' CPU 3×3 convolutions (evaluation always runs libtorch's direct ones); nil:
    /// `ConvolutionAlgorithm.fastest(on: device)` for a method trained afresh, and what a method
    /// already in the output directory was trained with, so that an earlier bench still resumes.
    public var convolutions: ConvolutionAlgorithm?

    /// Every method's evaluations: the report's key (eval-KEY.json) and the attack list, with
    /// Table 1's PGD-100 besides the PGD-20 most papers quote (docs/methods.md §5).
    public static let evaluations: [(key: String, attacks: String)] = [
        ("pgd-100", "pgd-100"), ("pgd-20", "pgd-20"), ("cw-20", "cw-20"), ("aa", "aa-standard"),
    ]
    /// Table 7's: PGD-10 and PGD-50 with a step of 1/255 (ε/4 at ε = 4/255, deat's default fraction).
    public static let imageNetEvaluations: [(key: String, attacks: String)] = [("pgd-10", "pgd-10"), ("pgd-50", "pgd-50")]

    /// The evaluations of this bench's setting.
    var evaluations: [(key: String, attacks: String)] { setting == .imagenet ? Self.imageNetEvaluations : Self.evaluations }

    public init(dataset: DatasetName, entries: [Entry]) {
        self.dataset = dataset
        self.entries = entries
    }

    /// The training configuration of one entry (the method's recipe in the setting, then the bench's options).
    public func config(_ entry: Entry) -> TrainingConfig {
        var c = TrainingConfig.defaults(
            method: entry.method, dataset: dataset, epsilon: epsilon, iterations: entry.iterations, setting: setting, model: model,
            epochs: epochs)
        c.dataDirectory = dataDirectory ?? dataset.defaultDirectory ?? ""
        c.trainSubset = trainSubset
        if let validationSize { c.validationSize = validationSize }
        c.seed = seed
        c.convolutions = convolutions ?? .fastest(on: device)
        if let learningRate { c.learningRate = learningRate }
        if let gamma = entry.gamma { c.gamma = gamma }
        return c
    }

    public func run(out: URL, _ report: (Event) -> Void = { _ in }) throws -> BenchTable {
        let dataFolder = URL(fileURLWithPath: dataDirectory ?? dataset.defaultDirectory ?? ".")
        let imageSize = entries.first.map { config($0).imageSize } ?? 224
        let (points, splitSize) = try evaluationPoints(dataset, directory: dataFolder, count: n, imageSize: imageSize, device: device)
        try FileManager.default.createDirectory(at: out, withIntermediateDirectories: true)
        var rows: [BenchRow] = []
        var table = BenchTable(setting: "", rows: [], deatVersion: Runtime.deatVersion)
        for (index, entry) in entries.enumerated() {
            report(.method(name: entry.name, index: index, count: entries.count))
            let runDirectory = out.appendingPathComponent(entry.name)
            let config = config(entry, in: runDirectory)
            /// Adds the method's row and rewrites OUT/bench.json and bench.md with it.
            func record(_ row: BenchRow) throws {
                rows.append(row)
                table = BenchTable(setting: header(config, points: points.count, of: splitSize), rows: rows, deatVersion: Runtime.deatVersion)
                try write(table, to: out)
            }
            let trainer: Trainer
            do {
                trainer = try train(config: config, directory: runDirectory, report: { report(.training(name: entry.name, event: $0)) })
            } catch let diverged as TrainingDiverged {
                // One method's divergence is a result for its row, not the end of the bench: a rerun
                // would diverge at the same batch again and never reach the methods after it.
                var row = BenchRow(method: entry.name, trainMinutes: 0, backwardPasses: 0, epochs: diverged.epoch, iterations: [])
                row.beyondTableOne = Self.isBeyondTableOne(entry.name)
                row.diverged = "epoch \(diverged.epoch + 1), batch \(diverged.batch + 1)"
                report(.diverged(row, diverged))
                try record(row)
                continue
            }
            let records = trainer.state.records
            var row = BenchRow(
                method: entry.name, trainMinutes: (records.last?.totalSeconds ?? 0) / 60,
                backwardPasses: records.last?.totalBackwardPasses ?? 0, epochs: records.count, iterations: records.map(\.iterations))
            row.beyondTableOne = Self.isBeyondTableOne(entry.name)
            let modelFile = selection == .best && FileManager.default.fileExists(atPath: trainer.files.best.path) ? trainer.files.best : trainer.files.model
            let (model, _, _) = try loadModel(from: modelFile, device: device)
            var reused = true
            for (key, attacks) in evaluations {
                let (result, fromFile) = try evaluate(
                    model: model, modelFile: modelFile, attacks: attacks, epsilon: config.epsilon, points: points,
                    report: runDirectory.appendingPathComponent("eval-\(key).json"), name: entry.name, events: report)
                reused = reused && fromFile
                row.clean = result.cleanAccuracy
                switch key {
                case "pgd-100": row.pgd100 = result.robustAccuracy
                case "pgd-20": row.pgd20 = result.robustAccuracy
                case "cw-20": row.cw20 = result.robustAccuracy
                case "pgd-10": row.pgd10 = result.robustAccuracy
                case "pgd-50": row.pgd50 = result.robustAccuracy
                default: row.autoAttack = result.robustAccuracy
                }
            }
            report(.finished(row, reused: reused))
            try record(row)
        }
        return table
    }

    /// OUT/bench.json and OUT/bench.md, each written atomically.
    func write(_ table: BenchTable, to out: URL) throws {
        try table.json().write(to: out.appendingPathComponent("bench.json"), options: .atomic)
        try Data(table.markdown().utf8).write(to: out.appendingPathComponent("bench.md"), options: .atomic)
    }

    /// The table's first line. It says whether the evaluation covered the whole test split, as
    /// Table 1's did, or only its first `points` of `splitSize`.
    func header(_ c: TrainingConfig, points: Int, of splitSize: Int) -> String {
        let data = trainSubset.map { "the first \($0) training images" } ?? "all training images"
        let split = dataset == .folder ? "val images" : "test points"
        let evaluated = points < splitSize ? "the first \(points) of \(splitSize) \(split)" : "all \(splitSize) \(split)"
        let attacks = setting == .imagenet ? "PGD-10 and PGD-50 (step ε/4)" : "PGD-100, PGD-20, CW-20 and AutoAttack (standard)"
        return "\(setting.rawValue) setting, \(dataset.rawValue), \(c.model), ε = \(String(format: "%.4g", c.epsilon)), \(c.epochs) epochs on \(data), batch \(c.batchSize), "
            + "lr \(c.learningRate) \(c.schedule.rawValue), seed \(seed); \(selection == .best ? "best-validation" : "last-epoch") model; "
            + "\(attacks) on \(evaluated); train min = training loop only"
    }

    /// `config(entry)` for the run in `runDirectory`: with the convolutions a run already there was
    /// trained with, unless the bench names them (a bench started before they were a setting resumes).
    public func config(_ entry: Entry, in runDirectory: URL) -> TrainingConfig {
        var c = config(entry)
        if convolutions == nil, let saved = try? RunFiles.savedConfig(in: runDirectory) { c.convolutions = saved.convolutions }
        return c
    }

    /// Trains (or resumes, or just reopens) one method's run, as `deat train` would: the same data,
    /// model and seed, so every method starts from the same weights.
    func train(config: TrainingConfig, directory: URL, report: (TrainingEvent) -> Void) throws -> Trainer {
        let run = try TrainingRun(config: config, directory: directory, device: device)
        try run.resume()
        if !run.trainer.state.finished {
            try run.trainer.run(report)
        }
        return run.trainer
    }

    /// One attack set on the N points: the saved report when it matches, else the evaluator
    /// (resuming from its state file), then the report written next to the run.
    func evaluate(
        model: any Layer, modelFile: URL, attacks text: String, epsilon: Double, points: TensorDataset, report url: URL, name: String,
        events: (Event) -> Void
    ) throws -> (EvaluationResultSummary, Bool) {
        let stateURL = URL(fileURLWithPath: url.path + ".state")
        if let data = try? Data(contentsOf: url), let saved = try? EvaluationReport.decode(data),
            saved.n == points.count, abs(saved.epsilon - epsilon) < 1e-12, saved.model == modelFile.path, saved.seed == seed
        {
            return (EvaluationResultSummary(cleanAccuracy: saved.cleanAccuracy, robustAccuracy: saved.robustAccuracy), true)
        }
        // A report for other settings (N, ε, model) is stale, and so is any state file next to it.
        if FileManager.default.fileExists(atPath: url.path) { try? FileManager.default.removeItem(at: stateURL) }
        events(.evaluating(name: name, attacks: text))
        let started = Date()
        let attacks = try AttackSuite.parse(text, epsilon: epsilon, options: attackOptions)
        var evaluator = RobustnessEvaluator(
            model: model, attacks: attacks, epsilon: epsilon, batchSize: evalBatchSize, seed: seed, stateFile: stateURL)
        let (x, y) = try points.batch(0..<points.count)  // float images in [0, 1]
        let result = try withoutActuallyEscaping(events) { events in
            evaluator.progress = { events(.evaluation($0)) }  // cleared below: it must not outlive this call
            defer { evaluator.progress = nil }
            return try evaluator.run(images: x, labels: y)
        }
        let summary = EvaluationReport(
            result: result, model: modelFile.path, dataset: dataset.rawValue, split: "test", norm: ThreatNorm.linf.rawValue,
            epsilon: epsilon, epsilonText: String(format: "%.6g", epsilon), attackSet: text, seed: seed, device: device.description,
            dtype: "float32", threads: Runtime.threads, batchSize: evalBatchSize, flags: [], totalSeconds: Date().timeIntervalSince(started),
            deatVersion: Runtime.deatVersion)
        try summary.json().write(to: url, options: .atomic)
        try? FileManager.default.removeItem(at: stateURL)
        return (EvaluationResultSummary(cleanAccuracy: result.cleanAccuracy, robustAccuracy: result.robustAccuracy), false)
    }
}

/// The two figures the table needs from an evaluation, fresh or read back.
struct EvaluationResultSummary {
    let cleanAccuracy: Double
    let robustAccuracy: Double
}
