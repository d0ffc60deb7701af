// InputCurvature.swift: the two measurable proxies of docs/methods.md §6 behind `deat analyze`
// (the paper's own curvature estimate could not be recovered, so these are deat's proposal, labelled
// as such in every report):
//   proposal 2  local-Lipschitz proxy: mean over a fixed probe set of ‖∇_x̃ CE(f(x̃_adv), y)‖₁ at
//               PGD-10 points (x̃ = normalised input, the units of the M+ magnitude);
//   proposal 3  curvature proxy: the dominant eigenvalue of the input Hessian ∇²_x̃ CE at the same
//               points, by power iteration on Hessian-vector products from double backward.
// For a ReLU network in eval mode the logits are piecewise linear in x, so the input Hessian is
// Jᵀ(diag p − ppᵀ)J: positive semi-definite, and the dominant eigenvalue is the largest one.
//
//   let m = try CurvatureProbe(epsilon: 0.1).measure(model: model, images: x, labels: y, inputScale: s)
import Attacks
import NN
import Torch

/// Hessian-vector product H·v of the scalar `loss(x)` at `x`, by double backward:
/// H·v = ∇_x (∇_x L · v). `x` and `v` have the same shape.
public func hessianVectorProduct(of loss: (Tensor) throws -> Tensor, at x: Tensor, vector v: Tensor) throws -> Tensor {
    let leaf = try x.detached().requiringGrad()
    let g = try grad(of: loss(leaf), wrt: leaf, createGraph: true)
    return try grad(of: (g * v).sum(), wrt: leaf).detached()
}

/// What `CurvatureProbe.measure` found on a probe set.
public struct CurvatureMeasurement: Codable, Sendable, Equatable {
    public var points: Int
    /// Mean over the points of ‖∇_x̃ CE‖₁ at the PGD points (proposal 2).
    public var meanGradientL1: Double
    /// Mean over the points of the dominant input-Hessian eigenvalue in normalised units (proposal 3).
    public var meanTopEigenvalue: Double
    /// Fraction of the probe points the PGD attack left correctly classified.
    public var robustAccuracy: Double
}

/// The probe: PGD-K (CE loss, eval mode) to reach x_adv, then the gradient and the power iteration.
public struct CurvatureProbe: Sendable {
    public var epsilon: Double
    public var pgdSteps: Int
    public var powerIterations: Int
    public var batchSize: Int
    public var seed: UInt64

    public init(epsilon: Double, pgdSteps: Int = 10, powerIterations: Int = 20, batchSize: Int = 100, seed: UInt64 = 0) {
        self.epsilon = epsilon
        self.pgdSteps = pgdSteps
        self.powerIterations = powerIterations
        self.batchSize = batchSize
        self.seed = seed
    }

    /// `inputScale` is σ per channel, shape [1, C, 1, 1]: ∂/∂x̃ = σ·∂/∂x for the model's internal
    /// normalisation, so gradients and Hessians are reported in normalised units, like M(e).
    public func measure(model: any Layer, images: Tensor, labels: Tensor, inputScale: Tensor) throws -> CurvatureMeasurement {
        try model.withMode(.eval) {
            let n = images.shape[0]
            var l1 = 0.0, eigen = 0.0, robust = 0
            // Same step rule as the Trainer's validation: 2.5ε/K.
            let pgd = PGD(epsilon: epsilon, stepSize: 2.5 * epsilon / Double(max(pgdSteps, 1)), steps: pgdSteps)
            for (b, start) in stride(from: 0, to: n, by: batchSize).enumerated() {
                let length = min(batchSize, n - start)
                let x = try images.narrowed(dim: 0, start: start, length: length)
                let y = try labels.narrowed(dim: 0, start: start, length: length)
                let generator = try Generator(seed: Generator.derivedSeed(seed, b, 0xC0A))
                let adversarial = pgdSteps > 0 ? try pgd.perturb(model: model, images: x, labels: y, generator: generator) : x
                robust += try correctCount(model: model, images: adversarial, labels: y)
                let (gradient, top) = try batchStatistics(
                    model: model, images: adversarial, labels: y, inputScale: inputScale, generator: generator)
                l1 += gradient
                eigen += top
            }
            let count = Double(max(n, 1))
            return CurvatureMeasurement(
                points: n, meanGradientL1: l1 / count, meanTopEigenvalue: eigen / count, robustAccuracy: Double(robust) / count)
        }
    }

    /// Sums over the batch of ‖∇_x̃ CE_i‖₁ and of each point's dominant eigenvalue. CE is summed over
    /// the batch, so each point's gradient is its own (no 1/B) and, with no coupling between points
    /// in eval mode, the Hessian is block-diagonal: one batched power iteration serves every point.
    func batchStatistics(model: any Layer, images: Tensor, labels: Tensor, inputScale: Tensor, generator: Generator)
        throws -> (gradientL1: Double, topEigenvalue: Double)
    {
        let leaf = try images.detached().requiringGrad()
        let loss = try F.crossEntropy(model(leaf), target: labels, reduction: .sum)
        // createGraph keeps the first gradient differentiable; the graph is reused by every iteration.
        let g = try grad(of: loss, wrt: leaf, createGraph: true)
        let gradientL1 = try (g.detached() * inputScale).abs().sum(dtype: .float64).item()
        guard powerIterations > 0 else { return (gradientL1, 0) }
        let rows = images.shape[0]
        var v = try perRowUnit(Tensor.randn(images.shape, dtype: images.dtype, device: images.device, generator: generator))
        var rayleigh = try Tensor.zeros([rows], dtype: images.dtype, device: images.device)
        for _ in 0..<powerIterations {
            let hv = try Self.normalizedHessianVectorProduct(gradient: g, input: leaf, vector: v, inputScale: inputScale)
            rayleigh = try (hv * v).flattened(from: 1).sum(dims: [1])
            v = try perRowUnit(hv)
        }
        return (gradientL1, try rayleigh.sum(dtype: .float64).item())
    }

    /// H̃v = S·H·(S·v), S = diag(σ): the input Hessian in normalised coordinates times `v`, by
    /// differentiating `gradient` (∇_x L at `input`, built with createGraph) once more. The graph is
    /// retained, so every power iteration reuses it.
    static func normalizedHessianVectorProduct(gradient g: Tensor, input leaf: Tensor, vector v: Tensor, inputScale: Tensor) throws -> Tensor {
        try grad(of: (g * (v * inputScale)).sum(), wrt: leaf, retainGraph: true).detached() * inputScale
    }

    /// Each row scaled to unit L2 norm (a zero row stays zero).
    func perRowUnit(_ t: Tensor) throws -> Tensor {
        let norms = try t.flattened(from: 1).norm(p: 2, dims: [1]).clamped(min: 1e-30)
        var shape = [t.shape[0]]
        shape += Array(repeating: 1, count: t.rank - 1)
        return try t / norms.reshaped(shape)
    }
}
