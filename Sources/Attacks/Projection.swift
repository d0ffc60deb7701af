// Projection.swift: the threat model (docs/attacks.md §1): projections onto ε-ball ∩ [0, 1] for L∞
// and L2, and the admissibility test the evaluator uses to re-check every returned image. The
// [0, 1] box is part of the threat model, never an option (§13.3).
import Torch

/// The norm of the ε-ball.
public enum ThreatNorm: String, Codable, Sendable, CaseIterable {
    case linf = "Linf"
    case l2 = "L2"
}

/// The per-pixel interval [max(x − ε, 0), min(x + ε, 1)] of the L∞ threat model; projecting onto
/// it is one clamp, the exact projection onto ε-ball ∩ box.
struct LinfBox {
    let lower: Tensor
    let upper: Tensor

    init(around clean: Tensor, epsilon: Double) throws {
        lower = try (clean - epsilon).clamped(min: 0)
        upper = try (clean + epsilon).clamped(max: 1)
    }

    /// A box from its bounds, e.g. some rows of another box.
    init(lower: Tensor, upper: Tensor) {
        (self.lower, self.upper) = (lower, upper)
    }

    /// `v` clamped into the box.
    func project(_ v: Tensor) throws -> Tensor {
        try v.clamped(min: lower, max: upper)
    }
}

/// projInf(v, x, ε): exact projection onto the L∞ ball ∩ [0, 1].
func projectLinf(_ v: Tensor, around clean: Tensor, epsilon: Double) throws -> Tensor {
    try LinfBox(around: clean, epsilon: epsilon).project(v)
}

/// Per-example L2 norm of a batch [N, ...], as [N].
func rowNorms(_ t: Tensor) throws -> Tensor {
    try t.flattened(from: 1).norm(p: 2, dims: [1])
}

/// Per-example L∞ norm of a batch [N, ...], as [N].
func rowMaxAbs(_ t: Tensor) throws -> Tensor {
    try t.flattened(from: 1).abs().max(dims: [1])
}

/// [N] → [N, 1, 1, ...] so that it broadcasts against a batch of rank `rank`.
func perExample(_ t: Tensor, rank: Int) throws -> Tensor {
    try t.reshaped([-1] + Array(repeating: 1, count: rank - 1))
}

/// projL2(v, x, ε) as the reference libraries compute it (§1): rescale δ = v − x to norm ≤ ε,
/// then clamp x + δ to [0, 1]. Not the exact projection onto ball ∩ box, but what every
/// published L2 number used; clamping only shrinks ‖δ‖₂, so the result is admissible.
func projectL2(_ v: Tensor, around clean: Tensor, epsilon: Double) throws -> Tensor {
    let delta = try v - clean
    // +1e-12 keeps ε = 0 from producing 0/0; for δ ≠ 0 it shrinks by a negligible factor.
    let factor = try (epsilon / (rowNorms(delta) + 1e-12)).clamped(max: 1)
    return try (clean + delta * perExample(factor, rank: v.rank)).clamped(min: 0, max: 1)
}

/// Projection onto the threat model of `norm`.
func project(_ v: Tensor, around clean: Tensor, norm: ThreatNorm, epsilon: Double) throws -> Tensor {
    switch norm {
    case .linf: try projectLinf(v, around: clean, epsilon: epsilon)
    case .l2: try projectL2(v, around: clean, epsilon: epsilon)
    }
}

/// Absolute slack on ε when checking admissibility: float32 rounding of x ± ε can exceed ε by a
/// few 1e-8 (§1).
public let admissibilityTolerance = 1e-6

/// Per-example [N] bool: ‖x' − x‖ ≤ ε + tolerance, x' ∈ [0, 1], and no NaN/Inf in x'.
public func admissible(
    _ adversarial: Tensor, clean: Tensor, norm: ThreatNorm, epsilon: Double, tolerance: Double = admissibilityTolerance
) throws -> Tensor {
    try withNoGrad {
        let x = try adversarial.detached().to(dtype: .float64)
        let c = try clean.detached().to(dtype: .float64)
        let delta = try x - c
        let size = try norm == .linf ? rowMaxAbs(delta) : rowNorms(delta)
        let flat = try x.flattened(from: 1)
        let finite = try flat.isFinite().allAlong(dim: 1)
        // Comparisons with NaN are false, so NaN pixels also fail the box test.
        let inBox = try flat.ge(0.0).logicalAnd(flat.le(1.0)).allAlong(dim: 1)
        return try size.le(epsilon + tolerance).logicalAnd(finite).logicalAnd(inBox)
    }
}

extension Tensor {
    /// Row-wise "all" over dimension `dim` of a bool tensor (a min over 0/1).
    func allAlong(dim: Int) throws -> Tensor {
        try to(dtype: .uint8).min(dims: [dim]).gt(0)
    }
}
