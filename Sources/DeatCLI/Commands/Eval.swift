// Eval.swift: `deat eval MODEL.safetensors`: clean and robust accuracy of a checkpoint on the
// first N test points under a list of attacks (AutoAttack standard by default), reported as the
// point-wise worst case with the cumulative accuracy after each attack (docs/attacks.md §1, §10).
// Writes a JSON report, prints a table, and resumes from its state file when killed.
import ArgumentParser
import Attacks
import DataFormats
import Datasets
import Evaluation
import Foundation
import Models
import NN
import SafeTensors
import Storage
import Torch

struct Eval: ParsableCommand {
    static let configuration = CommandConfiguration(
        abstract: "Evaluate a checkpoint's robustness: clean accuracy and worst case over a list of attacks.",
        discussion: """
            Attacks run in the given order, each only on the points still robust; a point is broken when a fresh \
            forward pass misclassifies an admissible image (ε + 1e-6, [0, 1], no NaN). Robust accuracy is over all N. \
            Attack sets: \(AttackSuite.helpText).
            """
    )

    @Argument(help: "The model checkpoint (.safetensors written by deat).")
    var model: String

    @Option(help: "Dataset: fashion-mnist, mnist, cifar10 or cifar100 (default: the one in the checkpoint's metadata, else fashion-mnist).")
    var dataset: String?

    @Option(help: "Directory with the dataset files (default: the dataset's Debian location).")
    var dataDir: String?

    @Option(help: "Attacks: aa-standard, aa-apgd-ce+t, aa-apgd-ce+dlr, or a list such as pgd-20,cw-20.")
    var attacks: String = "aa-standard"

    @Option(help: "Radius ε as a fraction of the pixel range: 8/255 or a decimal such as 0.1 (default: the training ε in the checkpoint's metadata, else 8/255 for CIFAR and 0.1 otherwise).")
    var eps: Epsilon?

    @Option(help: "Threat model norm: Linf or L2.")
    var norm: String = "Linf"

    @Option(help: "Evaluate the first N test points.")
    var n: Int = 1000

    @Option(help: "Attack batch size.")
    var batchSize: Int = 250

    @Option(help: "Iterations of APGD-CE, APGD-T and FAB-T (AutoAttack: 100).")
    var apgdSteps: Int = 100

    @Option(help: "Target classes of APGD-T and FAB-T (AutoAttack: 9).")
    var targets: Int = 9

    @Option(help: "Square query budget (AutoAttack: 5000).")
    var squareQueries: Int = 5000

    @Option(help: "CW loss confidence κ for cw-STEPS attacks.")
    var cwKappa: Double = 50

    @Option(help: "PGD/CW step size as a fraction of ε (0.25 is 2/255 at ε = 8/255).")
    var stepFraction: Double = 0.25

    @Option(help: "JSON report path (default: MODEL with .eval.json).")
    var report: String?

    @Option(help: "State file for resuming (default: the report path with .state).")
    var state: String?

    @Flag(help: "Ignore and overwrite an existing state file instead of resuming from it.")
    var fresh = false

    @Option(help: "Also run an ε-sweep sanity check (PGD-20 over 0…255/255) on this many points (0: off).")
    var sweep: Int = 0

    @OptionGroup var runtime: RuntimeOptions

    func validate() throws {
        guard n >= 1 else { throw ValidationError("--n must be at least 1") }
        guard batchSize >= 1 else { throw ValidationError("--batch-size must be at least 1") }
        guard apgdSteps >= 1, targets >= 1, squareQueries >= 1 else {
            throw ValidationError("--apgd-steps, --targets and --square-queries must be at least 1")
        }
        guard ThreatNorm(rawValue: norm) != nil || ["linf", "l2"].contains(norm.lowercased()) else {
            throw ValidationError("--norm must be Linf or L2, got \(norm)")
        }
        try validateDatasetOption(dataset)
        guard stepFraction > 0, stepFraction.isFinite, sweep >= 0 else { throw ValidationError("--step-fraction must be positive and --sweep ≥ 0") }
        guard cwKappa >= 0, cwKappa.isFinite else { throw ValidationError("--cw-kappa must be a number ≥ 0, got \(cwKappa)") }
        guard attacks.split(separator: ",").contains(where: { !$0.trimmingCharacters(in: .whitespaces).isEmpty }) else {
            throw ValidationError("--attacks names no attack; give e.g. aa-standard or pgd-20,cw-20")
        }
        // Each of these files is written; none may be another, nor the model being evaluated.
        let paths = [("the model", model), ("--report", report), ("--state", state)].compactMap { name, path in
            path.map { (name, URL(fileURLWithPath: $0).standardizedFileURL.path) }
        }
        for (i, (name, path)) in paths.enumerated() {
            if let (other, _) = paths[..<i].first(where: { $0.1 == path }) {
                throw ValidationError("\(name) and \(other) are the same file, \(path); the evaluation would overwrite it")
            }
        }
    }

    func run() throws {
        let device = try runtime.apply()
        let threat: ThreatNorm = norm.lowercased() == "l2" ? .l2 : .linf
        var options = AttackSuite.Options()
        (options.apgdSteps, options.targets, options.squareQueries) = (apgdSteps, targets, squareQueries)
        (options.cwKappa, options.stepFraction) = (cwKappa, stepFraction)
        let modelURL = URL(fileURLWithPath: model)
        let (network, kind, metadata) = try loadModel(from: modelURL, device: device)
        network.eval()
        let dataset = self.dataset ?? metadata.dataset.flatMap { DatasetName(rawValue: $0)?.rawValue } ?? DatasetName.fashionMNIST.rawValue
        let name = DatasetName(rawValue: dataset)!
        let eps = self.eps ?? metadata.epsilon.map(Epsilon.init) ?? Epsilon(dataset.hasPrefix("cifar") ? 8.0 / 255 : 0.1)
        let attackList = try AttackSuite.parse(attacks, epsilon: eps.value, norm: threat, options: options)
        let reportURL = URL(fileURLWithPath: report ?? modelURL.deletingPathExtension().path + ".eval.json")
        let stateURL = URL(fileURLWithPath: state ?? reportURL.path + ".state")
        // Before any work: an unwritable place for the results fails now, not after the attacks.
        for file in [reportURL, stateURL] {
            try OutputDirectory.prepare(parentOf: file)
            for leftover in AtomicFile.removeLeftovers(of: file) {
                FileHandle.standardError.write(Data("note: removed \(leftover), a temporary file left by an interrupted write\n".utf8))
            }
        }
        if fresh { try? FileManager.default.removeItem(at: stateURL) }

        let directory = URL(fileURLWithPath: dataDir ?? name.defaultDirectory ?? ".")
        let testSet = try loadImageSet(name, split: .test, directory: directory)
        try checkModel(network, channels: metadata.normalizeMean?.count ?? 1, named: modelURL.lastPathComponent, accepts: testSet, dataset: dataset)
        let (images, labels) = try testPoints(testSet, first: n, device: device)

        var flags: [SanityFlag] = []
        let probe = try images.narrowed(dim: 0, start: 0, length: min(images.shape[0], batchSize))
        let probeLabels = try labels.narrowed(dim: 0, start: 0, length: probe.shape[0])
        flags += [
            try SanityChecks.stochasticModel(network, images: probe), try SanityChecks.softmaxOutputs(network, images: probe),
            try SanityChecks.zeroGradients(network, images: probe, labels: probeLabels),
        ].compactMap { $0 }

        print("\(kind) from \(model): \(images.shape[0]) \(dataset) test points, \(threat.rawValue) ε = \(eps.text), attacks \(attackList.map(\.name).joined(separator: " → ")), \(runtime.threads) thread(s), \(device)")
        let started = Date()
        var evaluator = RobustnessEvaluator(
            model: network, attacks: attackList, norm: threat, epsilon: eps.value, batchSize: batchSize, seed: runtime.seed,
            stateFile: stateURL)
        var bar: ProgressBar?
        var barIndex = -1
        evaluator.progress = { p in
            if p.attackIndex != barIndex {
                bar?.finish()
                barIndex = p.attackIndex
                bar = ProgressBar(total: p.total, label: "[\(p.attackIndex + 1)/\(p.attackCount)] \(p.attack)")
            }
            bar?.update(p.done, "robust \(p.robust)/\(images.shape[0])")
        }
        let result = try evaluator.run(images: images, labels: labels)
        bar?.finish()
        if result.resumed { print("resumed from \(stateURL.path)") }
        flags += [SanityChecks.squareBeatsWhiteBox(result)].compactMap { $0 }

        var sweepPoints: [[Double]]?
        if sweep > 0 {
            let m = min(sweep, images.shape[0])
            let epsilons = [0, 1, 2, 4, 8, 16, 32, 64, 128, 255].map { Double($0) / 255 }
            let (points, sweepFlags) = try SanityChecks.epsilonSweep(
                network, images: images.narrowed(dim: 0, start: 0, length: m), labels: labels.narrowed(dim: 0, start: 0, length: m),
                epsilons: epsilons, seed: runtime.seed
            ) { e in PGD(epsilon: e, stepSize: e / 4, steps: 20) }
            sweepPoints = points.map { [$0.epsilon, $0.robustAccuracy] }
            flags += sweepFlags
            print("ε-sweep (PGD-20, \(m) points): " + points.map { String(format: "%.0f/255 %.1f%%", $0.epsilon * 255, $0.robustAccuracy * 100) }.joined(separator: ", "))
        }

        var summary = EvaluationReport(
            result: result, model: model, dataset: dataset, split: "test", norm: threat.rawValue, epsilon: eps.value,
            epsilonText: eps.text, attackSet: attacks, seed: runtime.seed, device: device.description, dtype: "float32",
            threads: runtime.threads, batchSize: batchSize, flags: flags, totalSeconds: Date().timeIntervalSince(started),
            deatVersion: Runtime.deatVersion)
        summary.epsilonSweep = sweepPoints
        try AtomicFile.write(summary.json(), to: reportURL)
        print(summary.table())
        print("report: \(reportURL.path)")
    }

    /// The first `count` points of `set` as float images in [0, 1] and int64 labels on `device`.
    func testPoints(_ set: ImageSet, first count: Int, device: Device) throws -> (Tensor, Tensor) {
        let m = min(count, set.count)
        let bytes = Array(set.images[0..<(m * set.imageSize)]).map { Float($0) / 255 }
        let images = try Tensor(bytes, shape: [m, set.channels, set.height, set.width], on: device)
        let labels = try Tensor(Array(set.labels[0..<m]), shape: [m], on: device)
        return (images, labels)
    }
}
