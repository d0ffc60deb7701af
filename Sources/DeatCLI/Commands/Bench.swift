// Bench.swift: `deat bench`, every benchmark of deat in one command group, and `deat bench paper`:
// the paper's Table 1 comparison in one resumable command, through Benchmarks.PaperBench in-process.
// The other subcommands, each in its own Bench*.swift, compare deat with the same work in PyTorch
// (a peer script in scripts/bench, run by Benchmarks.PeerRunner), except `loader`, which is deat-only.
//
//   deat bench paper --threads 2                       # Fashion-MNIST + SmallCNN, the README's defaults
//   deat bench paper --dataset cifar10 --device cuda   # CIFAR-10 + PreActResNet-18, paper settings
import ArgumentParser
import Attacks
import Benchmarks
import Reports
import DataFormats
import Datasets
import Foundation
import SafeTensors
import Storage
import Torch
import Training

struct Bench: ParsableCommand {
    static let configuration = CommandConfiguration(
        abstract: "Benchmarks: the paper's method comparison, and deat side by side with PyTorch.",
        subcommands: [
            BenchPaper.self, BenchPeer.self, BenchThroughput.self, BenchStep.self, BenchOps.self, BenchLoader.self, BenchAttacks.self,
            BenchTorchScript.self,
            BenchPeerRun.self,
        ]
    )

    // Without this, `deat bench` alone would print the help and exit 0, as if it had done something.
    func run() throws {
        throw ValidationError(
            "choose a benchmark: deat bench paper, deat bench peer or deat bench throughput, or a micro-benchmark: step, ops, loader, attacks")
    }
}

struct BenchPaper: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "paper",
        abstract: "Train the methods of the paper's Table 1, and newer ones, from the same seed, then PGD-100, PGD-20, CW-20 and AutoAttack on the same test points.",
        discussion: """
            Writes OUT/<method>/ (a deat train run plus eval-pgd-100.json, eval-pgd-20.json, eval-cw-20.json, eval-aa.json) \
            and OUT/bench.md, OUT/bench.json. Rerunning the same command skips finished methods and evaluations and resumes \
            an interrupted one. The table has two blocks: Table 1's fifteen rows (YOPO-5-3 as yopo-5) with DEAT (linear) and FGSM-RS, then \
            DEAT-p, M+FAT, M+Amata, N-FGSM and GradAlign. Fashion-MNIST defaults (SmallCNN, ε = 0.1) keep each method to a few \
            minutes on 2 cores: 5 epochs on the first 10000 training images, validation on 500 test points, evaluation on \
            the first 200 test points. CIFAR defaults are the paper's: PreActResNet-18, ε = 8/255, 50 epochs on all 50000 images, evaluation \
            on all 10000 test points as in Table 1.

            --config FILE.yaml takes options from a YAML file, keys named as the options without dashes \
            (methods: deat,mplus-deat, epochs: 3); options given on the command line win. OUT/config.yaml holds \
            the resolved options: `deat bench paper --config OUT/config.yaml` continues the same bench.
            """
    )

    @Option(help: "Dataset: fashion-mnist, mnist, cifar10, cifar100 (default: fashion-mnist).") var dataset: DatasetName = .fashionMNIST
    @Option(help: "Directory holding the dataset's files (default: Debian's for Fashion-MNIST).") var dataDir: String?
    @Option(help: ArgumentHelp("Train and evaluate a model of your own with every method: a TorchScript file taking images in [0, 1] as NCHW and returning logits (see deat train --model-file) (default: the dataset's built-in model).", valueName: "file.pt")) var modelFile: String?
    @Option(help: "Comma-separated methods, optionally with -N replays/steps and @γ for an M+ factor of its own (mplus-deat@1.01); table1, beyond and table7 stand for the blocks (default: table1,beyond, i.e. \(PaperBench.paperMethods); with --setting imagenet table7, i.e. \(PaperBench.tableSevenMethods)).") var methods: String?
    @Option(help: "The paper's setting whose recipes give each method's defaults: standard (Table 1) or fast (the FAST scripts; see deat train --help) (default: standard).") var setting: TrainingSetting?
    @Option(help: "Epochs for every method (default: 5 for Fashion-MNIST/MNIST, each method's recipe on CIFAR).") var epochs: Int?
    @Option(help: "Train on the first N training images (default: 10000 for Fashion-MNIST/MNIST, all for CIFAR).") var trainSubset: Int?
    @Option(help: "Evaluate on the first N test points; the table then says so (default: 200 for Fashion-MNIST/MNIST, all 10000 for CIFAR, as Table 1).") var n: Int?
    @Option(help: "Per-epoch validation points (clean and PGD-10 with the CW loss) (default: 500; on CIFAR 2560 in standard; 0 in fast).") var validationSize: Int?
    @Option(help: "L∞ radius, as 8/255 or 0.1 (default: 0.1, or 8/255 for CIFAR).") var eps: Epsilon?
    @Option(help: "Which model to evaluate: best (best validation PGD accuracy, the paper's selection) or last (default: best in standard, last in fast, which validates no epoch).") var select: PaperBench.Selection?
    @Option(help: "Attack batch size.") var evalBatchSize: Int = 250
    @Option(help: "Kernels of the training steps' CPU 3×3 stride-1 convolutions: winograd or direct (see deat train --help) (default: winograd on the CPU where this build has it, else direct; a method already in OUT keeps what it was trained with).") var convolutions: ConvolutionAlgorithm?
    @Option(help: "Output directory (default: runs/bench-paper-DATASET).") var out: String?
    @OptionGroup var attackOptions: AttackSuiteOptions
    @OptionGroup var runtime: RuntimeOptions

    /// Fashion-MNIST and MNIST get short defaults; CIFAR and image folders their recipes'.
    var small: Bool { dataset == .fashionMNIST || dataset == .mnist }

    func validate() throws {
        for (name, value) in [("--epochs", epochs), ("--train-subset", trainSubset), ("--n", n)] {
            if let value, value < 1 { throw ValidationError("\(name) must be at least 1") }
        }
        if let validationSize, validationSize < 0 { throw ValidationError("--validation-size must not be negative") }
        guard evalBatchSize >= 1 else { throw ValidationError("--eval-batch-size must be at least 1") }
        let parsed: [PaperBench.Entry]
        do {
            parsed = try entries()
        } catch {
            throw ValidationError("--methods: \(error)")
        }
        guard !parsed.isEmpty else { throw ValidationError("--methods names no method; give e.g. \(PaperBench.paperMethods)") }
    }

    func entries() throws -> [PaperBench.Entry] {
        try PaperBench.entries(parsing: methods ?? (setting == .imagenet ? "table7" : "table1,beyond"))
    }

    func run() throws {
        let device = try runtime.apply()
        var bench = PaperBench(dataset: dataset, entries: try entries())
        bench.dataDirectory = dataDir
        bench.model = modelFile.map { .torchScript(file: URL(fileURLWithPath: $0).standardizedFileURL.path) }
        bench.setting = setting ?? .standard
        bench.epochs = epochs ?? (small ? 5 : nil)
        bench.trainSubset = trainSubset ?? (small ? 10_000 : nil)
        bench.n = n ?? (small ? 200 : nil)
        bench.validationSize = validationSize ?? (small && setting != .fast ? 500 : nil)
        bench.epsilon = eps?.value
        bench.selection = select ?? (setting == .fast ? .last : .best)
        bench.attackOptions = attackOptions.suite
        bench.evalBatchSize = evalBatchSize
        bench.convolutions = convolutions
        bench.seed = runtime.seed
        bench.device = device
        let outURL = URL(fileURLWithPath: out ?? "runs/bench-paper-\(dataset.rawValue)")
        try OutputDirectory.prepare(outURL)
        // The bench's settings as a config file that reruns (continues) it (docs/architecture.md §9.5).
        let configFile = outURL.appendingPathComponent("config.yaml")
        try resolvedConfig(bench, out: outURL).write(to: configFile, rerunHint: "deat bench paper --config \(configFile.path)")
        print("deat bench paper: \(dataset.rawValue), \(bench.entries.count) methods → \(outURL.path), \(Runtime.threads) thread(s), \(device)")
        flushOutput()
        var bar: ProgressBar?
        var barAttack = ""
        let table = try bench.run(out: outURL) { event in
            switch event {
            case .method(let name, let index, let count):
                print("[\(index + 1)/\(count)] \(name)")
                flushOutput()
            case .training(_, .batch(let epoch, let batch, let of, let iterations, let loss, let rate)):
                if bar == nil { bar = ProgressBar(total: of, label: "  epoch \(epoch + 1)") }
                bar?.update(batch, String(format: "r %d  loss %.4f  %.0f img/s", iterations, loss, rate))
            case .training(_, .validating):
                bar?.finish()
                bar = nil
            case .training(_, .epochFinished(let r)):
                print(String(format: "  epoch %d: r %d, %.1f s, loss %.4f, M %.2f, clean %.2f%%, PGD %.2f%%",
                             r.epoch + 1, r.iterations, r.seconds, r.trainLoss, r.gradientMagnitude, r.cleanAccuracy * 100, r.robustAccuracy * 100))
                flushOutput()
            case .training:
                break
            case .evaluating(_, let attacks):
                barAttack = attacks
            case .evaluation(let p):
                if bar == nil || p.done == 0 {
                    bar?.finish()
                    bar = ProgressBar(total: p.total, label: "  \(barAttack) [\(p.attackIndex + 1)/\(p.attackCount)] \(p.attack)")
                }
                bar?.update(p.done, "robust \(p.robust)")
                if p.done == p.total, p.attackIndex + 1 == p.attackCount {
                    bar?.finish()
                    bar = nil
                }
            case .diverged(_, let error):
                bar?.finish()
                bar = nil
                print("  \(error); not evaluated, the bench goes on")
                flushOutput()
            case .finished(let row, let reused):
                bar?.finish()
                bar = nil
                let accuracies = BenchRow.attackColumns.compactMap { column in
                    row[keyPath: column.value].map { String(format: "%@ %.2f%%", String(column.title.dropLast(2)), $0 * 100) }
                }
                print(String(format: "  %@%.2f min, %d backward passes, clean %.2f%%, ", reused ? "(finished before) " : "", row.trainMinutes,
                             row.backwardPasses, (row.clean ?? 0) * 100) + accuracies.joined(separator: ", "))
                flushOutput()
            }
        }
        print("")
        print(table.markdown())
        print("files: \(outURL.appendingPathComponent("bench.md").path), \(outURL.appendingPathComponent("bench.json").path); "
            + "pictures: deat report \(outURL.path)")
    }
}

extension BenchPaper {
    /// Every option as `bench` resolved it. Left out: an option still unset after the dataset's
    /// defaults (epochs and the like on CIFAR, ε), which each method's recipe then gives.
    func resolvedConfig(_ bench: PaperBench, out: URL) -> ResolvedConfig {
        var e: [(key: String, value: String)] = [("dataset", bench.dataset.rawValue)]
        if let dataDir { e.append(("data-dir", dataDir)) }
        if let modelFile { e.append(("model-file", modelFile)) }
        e += [("methods", bench.entries.map(\.name).joined(separator: ",")), ("setting", bench.setting.rawValue)]
        let counts = [("epochs", bench.epochs), ("train-subset", bench.trainSubset), ("n", bench.n), ("validation-size", bench.validationSize)]
        e += counts.compactMap { key, value in value.map { (key, "\($0)") } }
        if let eps { e.append(("eps", eps.text)) }
        e += [("select", bench.selection.rawValue), ("eval-batch-size", "\(bench.evalBatchSize)")]
        if let convolutions = bench.convolutions { e.append(("convolutions", convolutions.rawValue)) }
        e.append(("out", out.path))
        return ResolvedConfig(command: "bench paper", entries: e + attackOptions.configEntries + runtime.configEntries)
    }
}
