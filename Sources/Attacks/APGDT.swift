// APGDT.swift: APGD-T (docs/attacks.md §7): APGD with the targeted DLR loss, run once per target
// class, the targets being the clean-logit ranks 2…(targets + 1) of each still-robust point, or the
// first `targets` of MALT's ranking (TargetRanking.swift, the fast suite).
// Success is untargeted misclassification; the target only shapes the loss.
import NN
import Torch

struct APGDT: Attack {
    /// The runs' settings; restarts are per target, and the loss is always targeted DLR.
    var apgd: APGD
    /// Number of target classes (9 in AutoAttack standard; never all K − 1 by default, §7).
    var targets: Int
    /// Which classes are the targets: AutoAttack's logit-margin ranks, or MALT's (the fast suite).
    var ranking: TargetRanking = .logitMargin

    init(epsilon: Double, norm: ThreatNorm = .linf, steps: Int = 100, restarts: Int = 1, targets: Int = 9) {
        apgd = APGD(epsilon: epsilon, norm: norm, steps: steps, restarts: restarts)
        self.targets = targets
    }

    var name: String { "apgd-t" }

    var parameters: [String: String] {
        var entries = ["targets": "\(targets)", "loss": "dlr-targeted"]
        // Named only when not AutoAttack's, so that existing state fingerprints stay valid (§10.4).
        if ranking != .logitMargin { entries["target_ranking"] = ranking.rawValue }
        return apgd.runParameters.merging(entries) { $1 }
    }

    func perturb(model: any Layer, images: Tensor, labels: Tensor, mode: ModelMode, generator: Generator) throws -> Tensor {
        try validateBatch(images: images, labels: labels)
        return try RobustRows.attack(model: model, images: images, labels: labels, mode: mode) { points in
            let order = try points.targetOrder(ranking, model: model, norm: apgd.norm)
            return try points.attackTargets(
                targets, restarts: apgd.budget.restarts, attackName: "APGD-T", minimumClasses: 4, order: order
            ) { restart, xs, ys, ts in
                try apgd.run(model: model, clean: xs, labels: ys, restart: restart, generator: generator) { z, live in
                    guard let live else { return try Losses.targetedDLR(z, labels: ys, targets: ts) }
                    return try Losses.targetedDLR(z, labels: rows(ys, live), targets: rows(ts, live))
                }
            }
        }
    }
}
