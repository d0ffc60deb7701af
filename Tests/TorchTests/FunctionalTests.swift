// Neural-network functions against hand-derived values (the PyTorch fixtures cover the general cases).
import Foundation
import Testing
import TestSupport
import Torch

@Suite("Neural-network functions")
struct FunctionalTests {
    @Test("conv2d with a 2×2 kernel of ones sums each window")
    func conv() throws {
        let x = try Tensor.arange(0, 9, dtype: .float32).reshaped([1, 1, 3, 3])
        let w = try Tensor.ones([1, 1, 2, 2])
        #expect(try F.conv2d(x, weight: w).floats() == [8, 12, 20, 24])
        #expect(try F.conv2d(x, weight: w, bias: Tensor([1] as [Float]), stride: 2).floats() == [9])
        #expect(try F.conv2d(x, weight: w, padding: 1).shape == [1, 1, 4, 4])
    }

    @Test("linear computes x·Wᵀ + b")
    func linear() throws {
        let x = try Tensor([1, 2] as [Float], shape: [1, 2])
        let w = try Tensor([1, 0, 1, 1, 0, -1] as [Float], shape: [3, 2])
        #expect(try F.linear(x, weight: w, bias: Tensor([0, 1, 0] as [Float])).floats() == [1, 4, -2])
    }

    @Test("pooling over a 4×4 ramp")
    func pooling() throws {
        let x = try Tensor.arange(0, 16, dtype: .float32).reshaped([1, 1, 4, 4])
        #expect(try F.maxPool2d(x, kernel: 2).floats() == [5, 7, 13, 15])
        #expect(try F.avgPool2d(x, kernel: 2).floats() == [2.5, 4.5, 10.5, 12.5])
        #expect(try F.adaptiveAvgPool2d(x, outputSize: (1, 1)).floats() == [7.5])
    }

    @Test("batch norm in training normalises with batch statistics and updates running ones")
    func batchNorm() throws {
        // One channel, values 1 and 3: mean 2, biased var 1, unbiased var 2.
        let x = try Tensor([1, 3] as [Float], shape: [2, 1, 1, 1])
        let mean = try Tensor.zeros([1]), variance = try Tensor.ones([1])
        let y = try F.batchNorm(
            x, weight: nil, bias: nil, runningMean: mean, runningVar: variance, training: true, momentum: 0.1, eps: 0)
        expectClose(try y.doubles(), [-1, 1])
        expectClose(try mean.doubles(), [0.2])  // 0.9·0 + 0.1·2
        expectClose(try variance.doubles(), [1.1])  // 0.9·1 + 0.1·2
        let evalOut = try F.batchNorm(
            x, weight: Tensor([2] as [Float]), bias: Tensor([1] as [Float]), runningMean: mean, runningVar: variance,
            training: false, eps: 0)
        expectClose(try evalOut.doubles(), [2 * (1 - 0.2) / (1.1).squareRoot() + 1, 2 * (3 - 0.2) / (1.1).squareRoot() + 1])
    }

    @Test("dropout is the identity in eval and zeroes or scales in training")
    func dropout() throws {
        let x = try Tensor.ones([1000])
        #expect(try F.dropout(x, p: 0.5, training: false).floats() == [Float](repeating: 1, count: 1000))
        let dropped = try F.dropout(x, p: 0.5, training: true).floats()
        #expect(dropped.allSatisfy { $0 == 0 || $0 == 2 })
        #expect(dropped.filter { $0 == 0 }.count > 350)
    }

    @Test("softmax and cross-entropy on two equal logits give ln 2")
    func crossEntropy() throws {
        let logits = try Tensor([0, 0, 0, Float(log(3.0))] as [Float], shape: [2, 2])
        let target = try Tensor([0, 1] as [Int64])
        expectClose(try F.softmax(logits, dim: 1).doubles(), [0.5, 0.5, 0.25, 0.75])
        expectClose(try F.crossEntropy(logits, target: target, reduction: .none).doubles(), [log(2), log(4.0 / 3)])
        expectClose(try F.crossEntropy(logits, target: target).doubles(), [(log(2) + log(4.0 / 3)) / 2])
        expectClose(try F.crossEntropy(logits, target: target, reduction: .sum).doubles(), [log(2) + log(4.0 / 3)])
        let logp = try F.logSoftmax(logits, dim: 1)
        expectClose(try F.nllLoss(logp, target: target, reduction: .none).doubles(), [log(2), log(4.0 / 3)])
    }

    @Test("KL divergence of a distribution with itself is zero, and positive otherwise")
    func klDiv() throws {
        let p = try Tensor([0.25, 0.75] as [Float], shape: [1, 2])
        expectClose(try F.klDiv(p.log(), target: p, reduction: .sum).doubles(), [0], atol: 1e-7)
        let q = try Tensor([0.5, 0.5] as [Float], shape: [1, 2])
        let expected = 0.25 * log(0.25 / 0.5) + 0.75 * log(0.75 / 0.5)
        expectClose(try F.klDiv(q.log(), target: p, reduction: .sum).doubles(), [expected])
        expectClose(try F.mseLoss(p, target: q).doubles(), [0.0625])
    }
}
