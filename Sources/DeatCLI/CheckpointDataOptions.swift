// CheckpointDataOptions.swift: the options of the commands that read a checkpoint and its test
// data (eval, analyze): which dataset, where its files are, and the radius, each defaulting to
// what the checkpoint's metadata records.
import ArgumentParser
import Attacks
import DataFormats
import Foundation

struct CheckpointDataOptions: ParsableArguments {
    @Option(help: "Dataset: fashion-mnist, mnist, cifar10, cifar100, or folder (DIR/val/<class>/*, Resize + CenterCrop) (default: the one in the checkpoint's metadata, else fashion-mnist).") var dataset: DatasetName?
    @Option(help: "Directory with the dataset files (default: the dataset's Debian location).") var dataDir: String?
    @Option(help: "Radius ε as a fraction of the pixel range: 8/255 or a decimal such as 0.1 (default: the training ε in the checkpoint's metadata, else 8/255 for CIFAR and 0.1 otherwise).") var eps: Epsilon?

    @Option(help: ArgumentHelp("--dataset folder: the side of the evaluated images, Resize(N·256/224) + CenterCrop(N) (default: 224).", valueName: "N")) var imageSize: Int = 224

    var dataDirectory: URL? { dataDir.map { URL(fileURLWithPath: $0) } }

    func validate() throws {
        guard (1...4096).contains(imageSize) else { throw ValidationError("--image-size must be between 1 and 4096 pixels, got \(imageSize)") }
    }
}

/// The knobs of the attacks inside AutoAttack and the PGD/CW attacks (`AttackSuite.Options`).
struct AttackSuiteOptions: ParsableArguments {
    @Option(help: "Iterations of APGD-CE, APGD-T and FAB-T (AutoAttack: 100).") var apgdSteps: Int = 100
    @Option(help: "Target classes of APGD-T and FAB-T (AutoAttack: 9, by logit margin); the fast suite takes the first 3 of MALT's ranking, fewer when this is lower.") var targets: Int = 9
    @Option(help: "Square query budget (AutoAttack: 5000).") var squareQueries: Int = 5000
    @Option(help: "CW loss confidence κ for cw-STEPS attacks.") var cwKappa: Double = 50
    @Option(help: "PGD/CW step size as a fraction of ε (0.25 is 2/255 at ε = 8/255).") var stepFraction: Double = 0.25

    func validate() throws {
        guard apgdSteps >= 1, targets >= 1, squareQueries >= 1 else {
            throw ValidationError("--apgd-steps, --targets and --square-queries must be at least 1")
        }
        guard stepFraction > 0, stepFraction.isFinite else { throw ValidationError("--step-fraction must be positive") }
        guard cwKappa >= 0, cwKappa.isFinite else { throw ValidationError("--cw-kappa must be a number ≥ 0, got \(cwKappa)") }
    }

    var suite: AttackSuite.Options {
        var options = AttackSuite.Options()
        (options.apgdSteps, options.targets, options.squareQueries) = (apgdSteps, targets, squareQueries)
        (options.cwKappa, options.stepFraction) = (cwKappa, stepFraction)
        return options
    }
}
