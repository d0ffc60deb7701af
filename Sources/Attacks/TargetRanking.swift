// TargetRanking.swift: the order in which APGD-T tries its target classes (docs/attacks.md §7,
// §10.7): AutoAttack's, by clean logit margin, or MALT's, by the margin over the dual norm of its
// input gradient, a first-order estimate of the distance to each class boundary.
import NN
import Torch

/// How APGD-T ranks the candidate targets of a point before taking the first `targets` of them.
public enum TargetRanking: String, Sendable, Codable {
    /// AutoAttack's: the clean-logit ranks 2…K, smallest margin z_y − z_t first (§7).
    case logitMargin = "logit-margin"
    /// MALT's (Melamed, Yehudai & Shamir 2024, §10.7): every class t ≠ y ordered by
    /// (z_y − z_t) / ‖∇ₓ(z_y − z_t)‖_* at the clean point, the dual norm of the threat model's
    /// (L1 under L∞, L2 under L2). Costs one forward and K − 1 backward passes per point ranked.
    case malt
}

extension RobustRows {
    /// [N, K] class indices per row: the clean prediction first, then the targets in the order
    /// APGD-T tries them. Under `.malt` only the still-robust rows are ranked (and paid for); the
    /// others keep the logit order, which no round reads.
    func targetOrder(_ ranking: TargetRanking, model: any Layer, norm: ThreatNorm) throws -> Tensor {
        let byLogit = try cleanLogits.sorted(dim: 1, descending: true).indices
        guard ranking == .malt, byLogit.shape[1] >= 2 else { return byLogit }
        let index = try indices(of: robust)
        guard index.count > 0 else { return byLogit }
        let ranked = try maltOrder(
            model: model, clean: rows(clean, index), labels: rows(labels, index), byLogit: rows(byLogit, index), norm: norm)
        return try puttingRows(byLogit, index, ranked)
    }
}

/// MALT's order for correctly classified rows (`byLogit`'s first column is then the label): the
/// candidates byLogit[:, 1…] sorted by ascending first-order distance. One forward pass, then one
/// backward of Σ_rows (z_y − z_t) per candidate rank, each counted as a backward of every row
/// (docs/attacks.md §10.5). A zero gradient gives an infinite distance: that target goes last.
func maltOrder(model: any Layer, clean: Tensor, labels: Tensor, byLogit: Tensor, norm: ThreatNorm) throws -> Tensor {
    let (n, k) = (byLogit.shape[0], byLogit.shape[1])
    let candidates = try byLogit.narrowed(dim: 1, start: 1, length: k - 1)
    let distances: [Tensor] = try withGrad {
        let input = try clean.detached().requiringGrad()
        let z = try model(input)
        let zy = try z.gather(dim: 1, indices: labels.reshaped([-1, 1]))
        return try (0..<(k - 1)).map { c in
            let margin = try (zy - z.gather(dim: 1, indices: candidates.narrowed(dim: 1, start: c, length: 1))).reshaped([-1])
            let g = try grad(of: margin.sum(), wrt: input, retainGraph: c < k - 2)
            ModelPasses.recordBackward(rows: n)
            let dual = try g.flattened(from: 1).norm(p: norm == .linf ? 1 : 2, dims: [1])
            return try margin.detached() / dual.clamped(min: 1e-30)
        }
    }
    let order = try Tensor.stack(distances, dim: 1).sorted(dim: 1, descending: false).indices
    return try Tensor.cat([byLogit.narrowed(dim: 1, start: 0, length: 1), candidates.gather(dim: 1, indices: order)], dim: 1)
}
