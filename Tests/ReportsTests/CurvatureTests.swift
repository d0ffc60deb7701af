// deat analyze's numerics (docs/methods.md §6): the double-backward Hessian-vector product
// against central differences of the gradient, the power iteration against a known spectrum, and
// Pearson/Spearman against hand-computed values.
import Evaluation
import Foundation
import Models
import Testing
import TestSupport
import Torch

@Suite("Hessian-vector products, power iteration and correlations")
struct CurvatureTests {
    /// A smooth non-quadratic loss in float64: CE of a small tanh network at input x [2, 1, 2, 2].
    func loss(_ w1: Tensor, _ w2: Tensor) -> (Tensor) throws -> Tensor {
        { x in
            let hidden = try x.flattened(from: 1).matmul(w1).tanh()
            return try F.crossEntropy(hidden.matmul(w2), target: Tensor([Int64(1), 2], shape: [2]), reduction: .sum)
        }
    }

    @Test("H·v by double backward equals (∇L(x + hv) − ∇L(x − hv)) / 2h")
    func hvpMatchesFiniteDifferences() throws {
        let g = try Generator(seed: 7)
        let w1 = try Tensor.randn([4, 5], dtype: .float64, generator: g)
        let w2 = try Tensor.randn([5, 3], dtype: .float64, generator: g)
        let x = try Tensor.randn([2, 1, 2, 2], dtype: .float64, generator: g)
        let v = try Tensor.randn([2, 1, 2, 2], dtype: .float64, generator: g)
        let f = loss(w1, w2)
        let hv = try hessianVectorProduct(of: f, at: x, vector: v).doubles()
        let h = 1e-5
        let plus = try autogradGradient(of: f, at: x + v * h), minus = try autogradGradient(of: f, at: x - v * h)
        let numeric = zip(plus, minus).map { ($0 - $1) / (2 * h) }
        for (a, b) in zip(hv, numeric) { #expect(abs(a - b) <= 1e-6 * max(1, abs(b)), "\(a) vs \(b)") }
        #expect(hv.contains { abs($0) > 1e-3 })  // not trivially zero
    }

    @Test("a quadratic ½xᵀAx has H·v = A·v")
    func hvpQuadratic() throws {
        let a = try Tensor([2.0, 1, 0, 1, 3, 1, 0, 1, 4], shape: [3, 3])
        let x = try Tensor([0.3, -1.0, 2.0], shape: [1, 3]), v = try Tensor([1.0, 2, 3], shape: [1, 3])
        let hv = try hessianVectorProduct(of: { try ($0.matmul(a) * $0).sum() * 0.5 }, at: x, vector: v).doubles()
        #expect(hv == [4, 10, 14])
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
