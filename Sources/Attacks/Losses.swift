// Losses.swift: the per-example losses attacks maximise (docs/attacks.md §2): cross-entropy, the CW
// margin loss with its confidence κ, DLR and targeted DLR. Every function maps logits [N, K] and
// int64 labels [N] to one loss per example [N]; attacks sum them before back-propagating (§1).
import Torch

/// The loss an untargeted gradient attack maximises.
public enum AttackLoss: String, Sendable, CaseIterable {
    /// Cross-entropy, logsumexp(z) − z_y.
    case crossEntropy = "ce"
    /// Carlini–Wagner margin loss, min(max_{j≠y} z_j − z_y, κ); κ is the attack's `kappa`.
    case cw
    /// Difference of logits ratio (needs K ≥ 3).
    case dlr
}

/// The per-example losses attacks maximise: cross-entropy, the CW margin loss, DLR and targeted
/// DLR. Each maps logits [N, K] and int64 labels [N] to one loss per example [N].
public enum Losses {
    /// Per-example cross-entropy of logits [N, K] against labels [N].
    public static func crossEntropy(_ logits: Tensor, labels: Tensor) throws -> Tensor {
        // logsumexp is computed stably by libtorch (it subtracts the row maximum first).
        let lse = try logits.logSumExp(dims: [1])
        return try lse - trueLogit(logits, labels)
    }

    /// z_y for each row.
    static func trueLogit(_ logits: Tensor, _ labels: Tensor) throws -> Tensor {
        try logits.gather(dim: 1, indices: labels.unsqueezed(dim: 1)).squeezed(dim: 1)
    }

    /// max_{j≠y} z_j for each row. The true class is masked with −∞, never by multiplying with a
    /// one-hot complement: that would return 0 when every other logit is negative (§2; a bug some
    /// reference implementations had). The gradient flows into the arg-max other class only.
    static func maxOtherLogit(_ logits: Tensor, _ labels: Tensor) throws -> Tensor {
        let isTrue = try labels.oneHot(classes: logits.shape[1]).gt(0)
        let minusInf = try Tensor.full([1], -Double.infinity, dtype: logits.dtype, device: logits.device)
        return try Tensor.where(isTrue, minusInf, logits).max(dim: 1).values
    }

    /// z_y − max_{j≠y} z_j: positive iff the example is correctly classified (ties aside).
    /// Square minimises it; success is margin ≤ 0.
    static func margin(_ logits: Tensor, labels: Tensor) throws -> Tensor {
        try trueLogit(logits, labels) - maxOtherLogit(logits, labels)
    }

    /// CW loss −max(margin, −κ) = min(max_{j≠y} z_j − z_y, κ): flat once the margin is below −κ.
    static func cw(_ logits: Tensor, labels: Tensor, kappa: Double) throws -> Tensor {
        try (0.0 - margin(logits, labels: labels)).clamped(max: kappa)
    }

    /// DLR(z, y) = −(z_y − max_{j≠y} z_j) / (π₁ − π₃ + 1e-12), π the logits sorted decreasingly.
    /// Invariant to z → a·z + b (a > 0). Needs K ≥ 3.
    public static func dlr(_ logits: Tensor, labels: Tensor) throws -> Tensor {
        try requireClasses(logits, 3, "DLR")
        let sorted = try logits.sorted(dim: 1, descending: true).values
        let spread = try sorted.select(dim: 1, index: 0) - sorted.select(dim: 1, index: 2) + 1e-12
        return try (0.0 - margin(logits, labels: labels)) / spread
    }

    /// Targeted DLR(z, y, t) = −(z_y − z_t) / (π₁ − (π₃ + π₄)/2 + 1e-12). Needs K ≥ 4.
    static func targetedDLR(_ logits: Tensor, labels: Tensor, targets: Tensor) throws -> Tensor {
        try requireClasses(logits, 4, "targeted DLR")
        let sorted = try logits.sorted(dim: 1, descending: true).values
        let pi34 = try (sorted.select(dim: 1, index: 2) + sorted.select(dim: 1, index: 3)) * 0.5
        let spread = try sorted.select(dim: 1, index: 0) - pi34 + 1e-12
        let gap = try trueLogit(logits, labels) - trueLogit(logits, targets)
        return try (0.0 - gap) / spread
    }

    /// The per-example loss `loss` names; `kappa` is used by `.cw` only.
    static func evaluate(_ loss: AttackLoss, logits: Tensor, labels: Tensor, kappa: Double = 0) throws -> Tensor {
        switch loss {
        case .crossEntropy: try crossEntropy(logits, labels: labels)
        case .cw: try cw(logits, labels: labels, kappa: kappa)
        case .dlr: try dlr(logits, labels: labels)
        }
    }

    static func requireClasses(_ logits: Tensor, _ minimum: Int, _ what: String) throws {
        guard logits.rank == 2, logits.shape[1] >= minimum else {
            throw AttackError.tooFewClasses(loss: what, needed: minimum, logitsShape: logits.shape)
        }
    }
}
