// Eval.swift: `deat eval MODEL.safetensors|MODEL.pt`: clean and robust accuracy of a model on the
// first N test points under a list of attacks (AutoAttack standard by default), reported as the
// point-wise worst case with the cumulative accuracy after each attack (docs/attacks.md §1, §10).
// Writes a JSON report, prints a table (with the passes through the model per stage, §10.5), saves
// the adversarial images when asked (§10.6), and resumes from its state file when killed.
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

            --config FILE.yaml takes options from a YAML file, keys named as the options without dashes \
            (attacks: pgd-20, n: 500); options given on the command line win, the model stays an argument. \
            Every evaluation writes its resolved options beside its report (MODEL.eval.config.yaml for \
            MODEL.eval.json): `deat eval MODEL --config MODEL.eval.config.yaml` reruns it.
            """
    )

    @Argument(help: "The model: a checkpoint deat wrote (.safetensors), or a TorchScript file (.pt) taking images in [0, 1] as NCHW and returning logits, which records no dataset or ε: give --dataset and --eps.") var model: String
    @Option(help: "Attacks: aa-standard, aa-apgd-ce+t, aa-apgd-ce+dlr, fast (APGD-CE and APGD-T on 3 targets, stopping per point at its first break: AutoAttack's verdict for far fewer passes, docs/attacks.md §10.7), or a list such as pgd-20,cw-20.") var attacks: String = "aa-standard"
    @Option(help: "Threat model norm: Linf or L2. Under L2, pgd, cw, apgd-ce, apgd-dlr, apgd-t, aa-apgd-ce+t, aa-apgd-ce+dlr and fast take L2 steps; aa-standard, fab-t, square, fgsm and fgsm-rs exist only for Linf and are refused.") var norm: ThreatNorm = .linf
    @Option(help: "Evaluate the first N test points.") var n: Int = 1000
    @Option(help: "Attack batch size.") var batchSize: Int = 250
    @Option(help: "JSON report path (default: MODEL with .eval.json).") var report: String?
    @Option(help: "State file for resuming (default: the report path with .state).") var state: String?
    @Flag(help: "Ignore and overwrite an existing state file instead of resuming from it.") var fresh = false
    @Option(help: "Save every point's final input (the image that broke it, else the clean one) with labels, test indices, the attack that broke it and the model's prediction, to this .safetensors file.")
    var saveAdversarial: String?
    @Option(help: "Also run an ε-sweep sanity check (PGD-20 over 0…255/255) on this many points (0: off).") var sweep: Int = 0
    @OptionGroup var data: CheckpointDataOptions
    @OptionGroup var attackOptions: AttackSuiteOptions
    @OptionGroup var runtime: RuntimeOptions

    func validate() throws {
        guard n >= 1 else { throw ValidationError("--n must be at least 1") }
        guard batchSize >= 1 else { throw ValidationError("--batch-size must be at least 1") }
        guard sweep >= 0 else { throw ValidationError("--sweep must be ≥ 0") }
        guard attacks.split(separator: ",").contains(where: { !$0.trimmingCharacters(in: .whitespaces).isEmpty }) else {
            throw ValidationError("--attacks names no attack; give e.g. aa-standard or pgd-20,cw-20")
        }
        // The names are checked here, before any file is read; ε only scales them.
        do {
            _ = try AttackSuite.parse(attacks, epsilon: 8.0 / 255, norm: norm)
        } catch AttackError.linfOnly(let name, let instead) {
            // The names are fine; it is the norm that makes them weaker than they say.
            throw ValidationError("--norm \(norm.rawValue): \(AttackError.linfOnly(name, instead: instead))")
        } catch {
            throw ValidationError("--attacks: \(error)")
        }
        if let saveAdversarial, !saveAdversarial.hasSuffix(".safetensors") {
            throw ValidationError("--save-adversarial must name a .safetensors file, got \(saveAdversarial)")
        }
        // Each of these files is written; none may be another, nor the model being evaluated.
        let paths = [("the model", model), ("--report", report), ("--state", state), ("--save-adversarial", saveAdversarial)].compactMap { name, path in
            path.map { (name, URL(fileURLWithPath: $0).standardizedFileURL.path) }
        }
        for (i, (name, path)) in paths.enumerated() {
            if let (other, _) = paths[..<i].first(where: { $0.1 == path }) {
                throw ValidationError("\(name) and \(other) are the same file, \(path); the evaluation would overwrite it")
            }
        }
    }

    func run() throws {
        var settings = EvaluationSettings(modelFile: URL(fileURLWithPath: model))
        (settings.dataset, settings.dataDirectory, settings.epsilon) = (data.dataset, data.dataDirectory, data.eps)
        settings.imageSize = data.imageSize
        (settings.attacks, settings.options, settings.norm, settings.count, settings.batchSize) = (attacks, attackOptions.suite, norm, n, batchSize)
        settings.reportFile = report.map { URL(fileURLWithPath: $0) }
        settings.stateFile = state.map { URL(fileURLWithPath: $0) }
        settings.adversarialFile = saveAdversarial.map { URL(fileURLWithPath: $0) }
        (settings.fresh, settings.sweepPoints, settings.seed) = (fresh, sweep, runtime.seed)
        let device = try runtime.apply()
        let evaluation = try EvaluationRun(settings, device: device)
        for leftover in evaluation.removedTemporaries {
            FileHandle.standardError.write(Data("note: removed \(leftover), a temporary file left by an interrupted write\n".utf8))
        }
        // The evaluation's settings as a config file that reruns it (docs/architecture.md §9.5).
        let configFile = evaluation.reportFile.deletingPathExtension().appendingPathExtension("config.yaml")
        try resolvedConfig(evaluation).write(to: configFile, rerunHint: "deat eval \(model) --config \(configFile.path)")
        let points = evaluation.images.shape[0]
        print("\(evaluation.kind) from \(model): \(points) \(evaluation.dataset.rawValue) test points, \(norm.rawValue) ε = \(evaluation.epsilon.text), attacks \(evaluation.attacks.map(\.name).joined(separator: " → ")), \(runtime.threads) thread(s), \(device)")
        let progress = ProgressDisplay()
        let outcome = try evaluation.run { progress.show($0, points: points) }
        progress.finish()
        if outcome.resumed { print("resumed from \(evaluation.stateFile.path)") }
        if !outcome.sweep.isEmpty {
            print("ε-sweep (PGD-20, \(min(sweep, points)) points): " + outcome.sweep.map { String(format: "%.0f/255 %.1f%%", $0.epsilon * 255, $0.robustAccuracy * 100) }.joined(separator: ", "))
        }
        print(outcome.report.table())
        print("report: \(evaluation.reportFile.path)")
        print("config: \(configFile.path)")
        if let file = settings.adversarialFile { print("adversarial images: \(file.path)") }
    }
}

extension Eval {
    /// Every option as `evaluation` resolved it: the dataset, ε and files it chose, the defaults.
    func resolvedConfig(_ evaluation: EvaluationRun) -> ResolvedConfig {
        var e: [(key: String, value: String)] = [
            ("attacks", attacks), ("norm", norm.rawValue), ("n", "\(n)"), ("batch-size", "\(batchSize)"),
            ("report", evaluation.reportFile.path), ("state", evaluation.stateFile.path), ("fresh", "\(fresh)"),
        ]
        if let saveAdversarial { e.append(("save-adversarial", saveAdversarial)) }
        e += [("sweep", "\(sweep)"), ("dataset", evaluation.dataset.rawValue)]
        if let dataDir = data.dataDir { e.append(("data-dir", dataDir)) }
        e += [("eps", evaluation.epsilon.text), ("image-size", "\(data.imageSize)")]
        return ResolvedConfig(command: "eval", entries: e + attackOptions.configEntries + runtime.configEntries)
    }
}
