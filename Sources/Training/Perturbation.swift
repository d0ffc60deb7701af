// Perturbation.swift: the δ bookkeeping every method shares (docs/methods.md §0):
// clipEps(δ) = clamp(δ, −ε, ε), clipBox(δ, x) = clamp(δ, −x, 1 − x) so that x + δ ∈ [0, 1],
// the signed ascent step, and the L1 magnitude in normalised units used by the M+ rule.
import Torch

/// Where δ starts for one minibatch.
public enum PerturbationStart: String, Codable, Sendable {
    /// δ = 0.
    case zero
    /// δ ~ U(−radius, radius) element-wise.
    case uniform
    /// δ = 0.001·N(0, 1) (TRADES, MART).
    case smallNormal
}

struct Box {
    let low: Tensor  // −x
    let high: Tensor  // 1 − x

    init(around x: Tensor) throws {
        low = try -x
        high = try 1 - x
    }

    /// Clamps δ so that x + δ stays in [0, 1].
    func clip(_ delta: Tensor) throws -> Tensor { try delta.clamped(min: low, max: high) }
}

/// δ for one minibatch, drawn in row-major order (the same values whatever x's layout) and then laid
/// out as x is: a channels-last batch gets a channels-last δ, so that x + δ, its gradient and the
/// fused step all run in one layout (docs/benchmarks.md "Channels-last on the CPU").
func initialPerturbation(
    _ start: PerturbationStart, like x: Tensor, radius: Double, generator: Generator
) throws -> Tensor {
    let delta = switch start {
    case .zero: try x.zerosLike()
    case .uniform: try Tensor.uniform(x.shape, low: -radius, high: radius, device: x.device, generator: generator)
    case .smallNormal: try Tensor.randn(x.shape, device: x.device, generator: generator) * 0.001
    }
    // One channel: both layouts are the same bytes, and either's strides serve.
    return x.isChannelsLast && x.shape[1] > 1 ? try delta.to(memoryFormat: .channelsLast) : delta
}

/// One signed-gradient step followed by the ε-ball then the [0, 1] box, in the reference order:
/// one fused pass (Tensor.signStep) instead of five ops and four temporaries.
func ascend(_ delta: Tensor, gradient: Tensor, stepSize: Double, epsilon: Double, box: Box) throws -> Tensor {
    try delta.detached().signStep(gradient, stepSize: stepSize, epsilon: epsilon, low: box.low, high: box.high)
}

/// ‖∂L/∂x̃‖₁ = Σ |∂L/∂x · σ_c|, the quantity M+ sums (docs/methods.md §1.3, §7 "magnitude units").
public func normalizedL1(_ gradient: Tensor, inputScale: Tensor) throws -> Tensor {
    try (gradient * inputScale).abs().sum(dtype: .float64)
}
