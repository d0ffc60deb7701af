// deat analyze's numerics (docs/methods.md §6): the Hessian-vector product its curvature probe
// takes (double backward, in normalised-input units) against central differences of the gradient,
// the power iteration against a known spectrum, and Pearson/Spearman against hand-computed values.
import Foundation
import Models
import Testing
import TestSupport
import Torch
@testable import Evaluation

@Suite("Hessian-vector products, power iteration and correlations")
struct CurvatureTests {
    /// A smooth non-quadratic loss in float64: CE of a small tanh network at input x [2, 2, 2, 2].
    func loss(_ w1: Tensor, _ w2: Tensor) -> (Tensor) throws -> Tensor {
        { x in
            let hidden = try x.flattened(from: 1).matmul(w1).tanh()
            return try F.crossEntropy(hidden.matmul(w2), target: Tensor([Int64(1), 2], shape: [2]), reduction: .sum)
        }
    }

    @Test("the probe's H̃·v (what deat analyze iterates) equals σ·(∇L(x + hσv) − ∇L(x − hσv)) / 2h, product after product on one graph")
    func probeProductMatchesFiniteDifferences() throws {
        let g = try Generator(seed: 7)
        let w1 = try Tensor.randn([8, 5], dtype: .float64, generator: g)
        let w2 = try Tensor.randn([5, 3], dtype: .float64, generator: g)
        let x = try Tensor.randn([2, 2, 2, 2], dtype: .float64, generator: g)
        let sigma = try Tensor([0.3, 0.7], shape: [1, 2, 1, 1]), ones = try Tensor([1.0, 1.0], shape: [1, 2, 1, 1])
        let f = loss(w1, w2)
        // As CurvatureProbe.batchStatistics builds it: one differentiable gradient, then a product per iteration.
        let leaf = try x.detached().requiringGrad()
        let gradient = try grad(of: f(leaf), wrt: leaf, createGraph: true)
        let h = 1e-5
        for iteration in 0..<3 {
            let v = try Tensor.randn(x.shape, dtype: .float64, generator: g)
            let hv = try CurvatureProbe.normalizedHessianVectorProduct(gradient: gradient, input: leaf, vector: v, inputScale: sigma)
            let step = try v * sigma * h
            let plus = try Tensor(autogradGradient(of: f, at: x + step), shape: x.shape)
            let minus = try Tensor(autogradGradient(of: f, at: x - step), shape: x.shape)
            let numeric = try (plus - minus) / (2 * h) * sigma
            expectClose(try hv.doubles(), try numeric.doubles(), rtol: 1e-6, atol: 1e-6, "H̃·v, product \(iteration + 1)")
            #expect(try hv.doubles().contains { abs($0) > 1e-3 }, "product \(iteration + 1) is trivially zero")
            // With σ = 1 it is the plain H·v of hessianVectorProduct(of:at:vector:).
            let plain = try CurvatureProbe.normalizedHessianVectorProduct(gradient: gradient, input: leaf, vector: v, inputScale: ones)
            expectClose(try plain.doubles(), try hessianVectorProduct(of: f, at: x, vector: v).doubles(), rtol: 1e-12, atol: 1e-12, "H·v")
        }
    }

    @Test("a quadratic ½xᵀAx has H·v = A·v, and the probe's product in normalised units is S·A·S·v")
    func hvpQuadratic() throws {
        let a = try Tensor([2.0, 1, 0, 1, 3, 1, 0, 1, 4], shape: [3, 3])
        let quadratic = { (x: Tensor) throws -> Tensor in try (x.matmul(a) * x).sum() * 0.5 }
        let x = try Tensor([0.3, -1.0, 2.0], shape: [1, 3]), v = try Tensor([1.0, 2, 3], shape: [1, 3])
        let hv = try hessianVectorProduct(of: quadratic, at: x, vector: v).doubles()
        #expect(hv == [4, 10, 14])
        // S = diag(1, 2, 0.5): S·v = (1, 4, 1.5), A·S·v = (6, 14.5, 10), S·A·S·v = (6, 29, 5).
        let leaf = try x.detached().requiringGrad()
        let gradient = try grad(of: quadratic(leaf), wrt: leaf, createGraph: true)
        let scaled = try CurvatureProbe.normalizedHessianVectorProduct(
            gradient: gradient, input: leaf, vector: v, inputScale: Tensor([1.0, 2, 0.5], shape: [1, 3]))
        #expect(try scaled.doubles() == [6, 29, 5])
    }

    @Test("the probe's power iteration finds the largest eigenvalue of a ReLU network's input Hessian")
    func powerIteration() throws {
        // SmallCNN in eval mode: H = Jᵀ(diag p − ppᵀ)J is PSD; check λ against the Rayleigh quotient of
        // a finite-difference Hessian column set on one tiny input is too slow, so compare two
        // independent runs with many iterations (converged) and check λ > 0 and λ ≥ vᵀHv for random v.
        let model = try ModelKind.smallCNN.build(normalization: .fashionMNIST, generator: Generator(seed: 3))
        let x = try Tensor.rand([2, 1, 28, 28], generator: Generator(seed: 4))
        let y = try Tensor([Int64(3), 5], shape: [2])
        let scale = try Tensor([Float(0.353)], shape: [1, 1, 1, 1])
        var probe = CurvatureProbe(epsilon: 0.1, pgdSteps: 0, powerIterations: 60, batchSize: 2, seed: 1)
        let converged = try probe.measure(model: model, images: x, labels: y, inputScale: scale)
        probe.seed = 2
        let other = try probe.measure(model: model, images: x, labels: y, inputScale: scale)
        #expect(converged.meanTopEigenvalue > 0)
        #expect(abs(converged.meanTopEigenvalue - other.meanTopEigenvalue) <= 1e-3 * converged.meanTopEigenvalue)
        // A random direction's Rayleigh quotient never exceeds λmax (per point, so also on average).
        let v = try Tensor.randn([2, 1, 28, 28], generator: Generator(seed: 9))
        let unit = try v / v.flattened(from: 1).norm(p: 2, dims: [1]).reshaped([2, 1, 1, 1])
        let f: (Tensor) throws -> Tensor = { try F.crossEntropy(model($0), target: y, reduction: .sum) }
        let hv = try hessianVectorProduct(of: f, at: x, vector: unit * scale) * scale
        let quotient = try (hv * unit).sum().item() / 2
        #expect(quotient <= converged.meanTopEigenvalue * 1.001)
        #expect(converged.meanGradientL1 > 0)
    }

    @Test("Pearson and Spearman against hand-computed values, ties averaged")
    func correlations() throws {
        #expect(abs(Correlation.pearson([1, 2, 3, 4], [2, 4, 6, 8])! - 1) < 1e-12)
        #expect(abs(Correlation.pearson([1, 2, 3], [3, 2, 1])! + 1) < 1e-12)
        // x = 1…5, y = 2,1,4,3,5: r = 0.8 (Σdxdy = 8, Σdx² = Σdy² = 10).
        #expect(abs(Correlation.pearson([1, 2, 3, 4, 5], [2, 1, 4, 3, 5])! - 0.8) < 1e-12)
        // Monotone but not linear: Spearman 1, Pearson below 1.
        #expect(Correlation.spearman([1, 2, 3, 4], [1, 8, 27, 64]) == 1)
        #expect(Correlation.ranks([10, 20, 20, 30]) == [1, 2.5, 2.5, 4])
        #expect(Correlation.pearson([1, 1, 1], [1, 2, 3]) == nil)
        #expect(Correlation.pearson([1], [2]) == nil)
    }
}
