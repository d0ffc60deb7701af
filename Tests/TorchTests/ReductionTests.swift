// Reductions, sorting and matmul against hand-derived values.
import Testing
import TestSupport
import Torch

@Suite("Reductions")
struct ReductionTests {
    // [[1, 5, 3],
    //  [4, 2, 6]]
    let x: Tensor

    init() throws {
        x = try Tensor([1, 5, 3, 4, 2, 6] as [Float], shape: [2, 3])
    }

    @Test("sum and mean over all elements and along dimensions")
    func sumMean() throws {
        #expect(try x.sum().item() == 21)
        #expect(try x.sum(dims: [0]).floats() == [5, 7, 9])
        #expect(try x.sum(dims: [1], keepDims: true).shape == [2, 1])
        #expect(try x.mean().item() == 3.5)
        #expect(try x.mean(dims: [1]).floats() == [3, 4])
        #expect(try Tensor([true, true, false]).sum(dtype: .int64).item() == 2)
    }

    @Test("max, min, argmax and argmin")
    func extrema() throws {
        #expect(try x.max().item() == 6)
        #expect(try x.min().item() == 1)
        #expect(try x.max(dims: [0]).floats() == [4, 5, 6])
        let (values, indices) = try x.max(dim: 1)
        #expect(try values.floats() == [5, 6])
        #expect(try indices.ints() == [1, 2])
        let (minValues, minIndices) = try x.min(dim: 0)
        #expect(try minValues.floats() == [1, 2, 3])
        #expect(try minIndices.ints() == [0, 1, 0])
        #expect(try x.argmax(dim: 1).ints() == [1, 2])
        #expect(try x.argmin(dim: 1).ints() == [0, 1])
    }

    @Test("topk and sort return values with their indices")
    func ordering() throws {
        let (top, topIndices) = try x.topk(2, dim: 1)
        #expect(try top.floats() == [5, 3, 6, 4])
        #expect(try topIndices.ints() == [1, 2, 2, 0])
        let (bottom, _) = try x.topk(1, dim: 1, largest: false)
        #expect(try bottom.floats() == [1, 2])
        let (sorted, order) = try x.sorted(dim: 1)
        #expect(try sorted.floats() == [1, 3, 5, 2, 4, 6])
        #expect(try order.ints() == [0, 2, 1, 1, 0, 2])
        #expect(try x.sorted(dim: 1, descending: true).values.floats() == [5, 3, 1, 6, 4, 2])
    }

    @Test("p-norms: L1, L2 and L∞")
    func norms() throws {
        let v = try Tensor([3, -4] as [Float])
        #expect(try v.norm().item() == 5)
        #expect(try v.norm(p: 1).item() == 7)
        #expect(try v.norm(p: .infinity).item() == 4)
        expectClose(try x.norm(p: 2, dims: [1]).doubles(), [(35.0).squareRoot(), (56.0).squareRoot()])
    }

    @Test("logsumexp is log Σ exp, computed stably")
    func logSumExp() throws {
        let v = try Tensor([1000, 1000] as [Float], shape: [1, 2])
        expectClose(try v.logSumExp(dims: [1]).doubles(), [1000 + 0.6931471805599453])
    }

    @Test("all and any")
    func logic() throws {
        #expect(try x.gt(0).all().item() == 1)
        #expect(try x.gt(5).all().item() == 0)
        #expect(try x.gt(5).any().item() == 1)
    }

    @Test("matmul multiplies matrices and broadcasts batches")
    func matmul() throws {
        let m = try Tensor([1, 0, 0, 1, 1, 1] as [Float], shape: [3, 2])
        #expect(try x.matmul(m).floats() == [4, 8, 10, 8])
        let batch = try Tensor.stack([x, x])
        #expect(try batch.matmul(m).shape == [2, 2, 2])
        #expect(throws: TorchError.self) { try x.matmul(x) }
    }
}
