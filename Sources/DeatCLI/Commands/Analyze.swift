// Analyze.swift: `deat analyze CHECKPOINT… | RUN_DIR` (the paper's claims, docs/methods.md §6):
// per checkpoint, the mean ‖∇_x̃ CE‖₁ at PGD-10 points and the mean largest input-Hessian eigenvalue
// (power iteration on double-backward Hessian-vector products) on the same first N test points,
// then their Pearson and Spearman correlation (and M(e)'s, for a run's epoch-N checkpoints).
//
//   deat train --keep-epochs --out runs/m && deat analyze runs/m     # writes runs/m/analysis.json
import ArgumentParser
import Attacks
import DataFormats
import Foundation
import Reports
import SafeTensors
import Storage
import Torch

struct Analyze: ParsableCommand {
    static let configuration = CommandConfiguration(
        abstract: "Gradient magnitude vs input-space curvature across checkpoints, and their correlation.",
        discussion: """
            The paper's curvature estimate is not recoverable; deat measures its own proxies (docs/methods.md §6): \
            proxy 2, the mean L1 norm of the input gradient of CE at PGD-10 points, and proxy 3, the largest eigenvalue \
            of the input Hessian by power iteration, both in normalised-input units. A directory stands for its \
            epoch-N.safetensors (deat train --keep-epochs), with M(e) from its log.jsonl.
            """)

    @Argument(help: "Checkpoint files, or a run directory with epoch-N.safetensors.") var checkpoints: [String]
    @Option(help: "Probe set: the first N test points.") var n: Int = 256
    @Option(help: "PGD steps to reach the adversarial points (CE loss, step 2.5ε/K).") var pgdSteps: Int = 10
    @Option(help: "Power iterations for the largest eigenvalue.") var powerIterations: Int = 20
    @Option(help: "Batch size.") var batchSize: Int = 128
    @Option(help: "Write the table as JSON here (default: RUN_DIR/analysis.json when a single run directory is given).") var out: String?
    @OptionGroup var data: CheckpointDataOptions
    @OptionGroup var runtime: RuntimeOptions

    func validate() throws {
        guard !checkpoints.isEmpty else { throw ValidationError("give checkpoint files or a run directory") }
        guard n >= 1, pgdSteps >= 0, powerIterations >= 1, batchSize >= 1 else {
            throw ValidationError("--n, --power-iterations and --batch-size must be at least 1, --pgd-steps at least 0")
        }
    }

    func run() throws {
        let device = try runtime.apply()
        let urls = checkpoints.map { URL(fileURLWithPath: $0) }
        let items = try CheckpointAnalysis.expand(urls)
        var isDirectory: ObjCBool = false
        let single = urls.count == 1 && FileManager.default.fileExists(atPath: urls[0].path, isDirectory: &isDirectory) && isDirectory.boolValue
        let outURL = (out ?? (single ? urls[0].appendingPathComponent("analysis.json").path : nil)).map { URL(fileURLWithPath: $0) }
        if let outURL { try OutputDirectory.prepare(parentOf: outURL) }  // before the analysis, not after it
        var analysis = CheckpointAnalysis(n: n)
        (analysis.pgdSteps, analysis.powerIterations, analysis.batchSize) = (pgdSteps, powerIterations, batchSize)
        (analysis.epsilon, analysis.dataset, analysis.dataDirectory) = (data.eps?.value, data.dataset, data.dataDir)
        analysis.imageSize = data.imageSize
        (analysis.device, analysis.seed) = (device, runtime.seed)
        print("deat analyze: \(items.count) checkpoint(s), \(n) probe points, \(Runtime.threads) thread(s), \(device)")
        flushOutput()
        let table = try analysis.run(items) { i, row in
            print(String(format: "  [%d/%d] %@: ‖∇‖₁ %.4g, λmax %.4g", i + 1, items.count, row.checkpoint, row.meanGradientL1, row.meanTopEigenvalue))
            flushOutput()
        }
        print(table.text())
        if let outURL {
            try AtomicFile.write(table.json(), to: outURL)
            print("analysis: \(outURL.path)")
        }
    }
}
