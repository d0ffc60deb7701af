// APGDT.swift: APGD-T (docs/attacks.md §7): APGD with the targeted DLR loss, run once per target class,
// the targets being the clean-logit ranks 2…(nTargets + 1) of each still-robust point. Success is
// untargeted misclassification; the target only shapes the loss.
import NN
import Torch

public struct APGDT: Attack {
    public var epsilon: Double
    public var norm: ThreatNorm
    public var steps: Int
    /// Restarts per target.
    public var restarts: Int
    /// Number of target classes (9 in AutoAttack standard; never all K − 1 by default, §7).
    public var targets: Int
    public var rho: Double = 0.75
    public var observer: IterateObserver?

    public init(epsilon: Double, norm: ThreatNorm = .linf, steps: Int = 100, restarts: Int = 1, targets: Int = 9) {
        self.epsilon = epsilon
        self.norm = norm
        self.steps = steps
        self.restarts = restarts
        self.targets = targets
    }

    public var name: String { "apgd-t" }

    public var parameters: [String: String] {
        [
            "norm": norm.rawValue, "epsilon": "\(epsilon)", "steps": "\(steps)", "restarts": "\(restarts)",
            "targets": "\(targets)", "loss": "dlr-targeted", "rho": "\(rho)", "alpha": "0.75", "initial_step": "2*epsilon",
        ]
    }

    public func perturb(model: any Layer, images: Tensor, labels: Tensor, mode: ModelMode, generator: Generator) throws -> Tensor {
        try validateBatch(images: images, labels: labels)
        let core = APGDCore(epsilon: epsilon, norm: norm, steps: steps, rho: rho, observer: observer)
        return try model.withMode(mode) {
            let x = try images.detached()
            var adversarial = x
            let cleanLogits = try logitsNoGrad(model: model, at: x)
            let classes = cleanLogits.shape[1]
            guard classes >= 4, targets + 1 <= classes, targets >= 1 else {
                throw TorchError("APGD-T needs K ≥ 4 classes and 1 ≤ targets ≤ K − 1; got K = \(classes), targets = \(targets) (docs/attacks.md §7)")
            }
            let ranking = try cleanLogits.sorted(dim: 1, descending: true).indices
            var robust = try misclassified(cleanLogits, labels).logicalNot()
            for rank in 2...(targets + 1) {
                for restart in 0..<restarts {
                    let index = try indices(of: robust)
                    if index.count == 0 { return adversarial }
                    let ys = try rows(labels, index)
                    // The rank-th largest clean logit (rank 1 is the prediction, = y on robust points).
                    let ts = try rows(ranking, index).select(dim: 1, index: rank - 1)
                    let outcome = try core.run(
                        model: model, clean: rows(x, index), labels: ys, restart: restart, generator: generator
                    ) { z in try Losses.targetedDLR(z, labels: ys, targets: ts) }
                    adversarial = try puttingRows(adversarial, index, selectRows(outcome.fooled, outcome.adversarial, rows(x, index)))
                    robust = try puttingRows(robust, index, outcome.fooled.logicalNot())
                }
            }
            return adversarial
        }
    }
}
