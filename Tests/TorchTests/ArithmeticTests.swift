// Element-wise ops against hand-derived values.
import Testing
import TestSupport
import Torch

@Suite("Element-wise ops")
struct ArithmeticTests {
    let a: Tensor
    let b: Tensor

    init() throws {
        a = try Tensor([1, -2, 3, -4] as [Float], shape: [2, 2])
        b = try Tensor([2, 2, 2, 2] as [Float], shape: [2, 2])
    }

    @Test("operators compute the formulas they spell")
    func operators() throws {
        #expect(try (a + b).floats() == [3, 0, 5, -2])
        #expect(try (a - b).floats() == [-1, -4, 1, -6])
        #expect(try (a * b).floats() == [2, -4, 6, -8])
        #expect(try (a / b).floats() == [0.5, -1, 1.5, -2])
        #expect(try (-a).floats() == [-1, 2, -3, 4])
        #expect(try (a * 3).floats() == [3, -6, 9, -12])
        #expect(try (1 - a).floats() == [0, 3, -2, 5])
        #expect(try (2 / b).floats() == [1, 1, 1, 1])
        #expect(try ((a + 1) * 0.5).floats() == [1, -0.5, 2, -1.5])
    }

    @Test("broadcasting follows PyTorch's rules")
    func broadcasting() throws {
        let row = try Tensor([10, 20] as [Float], shape: [1, 2])
        #expect(try (a + row).floats() == [11, 18, 13, 16])
        #expect(throws: TorchError.self) { try a + Tensor([1, 2, 3] as [Float]) }
    }

    @Test("integer tensors stay integer with integer scalars and promote with fractional ones")
    func promotion() throws {
        let labels = try Tensor([1, 2, 3] as [Int64])
        #expect(try (labels + 1).dtype == .int64)
        #expect(try (labels + 1).ints() == [2, 3, 4])
        #expect(try (labels * 0.5).dtype == .float32)
    }

    @Test("unary math matches hand-derived values")
    func unary() throws {
        let x = try Tensor([0.25, 1, 4] as [Double])
        expectClose(try x.sqrt().doubles(), [0.5, 1, 2])
        expectClose(try x.rsqrt().doubles(), [2, 1, 0.5])
        expectClose(try x.log().doubles(), [-1.3862943611198906, 0, 1.3862943611198906])
        expectClose(try x.log().exp().doubles(), [0.25, 1, 4])
        expectClose(try x.reciprocal().doubles(), [4, 1, 0.25])
        expectClose(try x.squared().doubles(), [0.0625, 1, 16])
        expectClose(try x.pow(3).doubles(), [0.015625, 1, 64])
        expectClose(try Tensor([0.0] as [Double]).sigmoid().doubles(), [0.5])
        expectClose(try Tensor([0.0, 100] as [Double]).tanh().doubles(), [0, 1])
        #expect(try a.abs().floats() == [1, 2, 3, 4])
        #expect(try Tensor([-0.5, 0, 2] as [Float]).sign().floats() == [-1, 0, 1])
        #expect(try Tensor([-1.5, 0.5, 2.5] as [Float]).floor().floats() == [-2, 0, 2])
        #expect(try Tensor([-1.5, 0.5, 2.5] as [Float]).ceil().floats() == [-1, 1, 3])
        #expect(try Tensor([0.5, 1.5, 2.5] as [Float]).rounded().floats() == [0, 2, 2])
        #expect(try Tensor([-3, 5] as [Int64]).remainder(4).ints() == [1, 1])
        #expect(try F.relu(a).floats() == [1, 0, 3, 0])
        #expect(try F.leakyRelu(a, slope: 0.1).floats() == [1, -0.2, 3, -0.4])
    }

    @Test("NaN and infinity are detected")
    func nonFinite() throws {
        let x = try Tensor([Float.nan, .infinity, 1])
        #expect(try x.isNaN().ints() == [1, 0, 0])
        #expect(try x.isFinite().ints() == [0, 0, 1])
    }

    @Test("comparisons and logic give bool tensors")
    func comparisons() throws {
        #expect(try a.gt(0).ints() == [1, 0, 1, 0])
        #expect(try a.le(b).ints() == [1, 1, 0, 1])
        #expect(try a.eq(3).dtype == .bool)
        #expect(try a.eq(3).ints() == [0, 0, 1, 0])
        #expect(try a.ne(b).ints() == [1, 1, 1, 1])
        #expect(try a.gt(0).logicalAnd(a.lt(2)).ints() == [1, 0, 0, 0])
        #expect(try a.gt(0).logicalOr(a.lt(-3)).ints() == [1, 0, 1, 1])
        #expect(try a.gt(0).logicalNot().ints() == [0, 1, 0, 1])
        #expect(try a.maximum(b).floats() == [2, 2, 3, 2])
        #expect(try a.minimum(b).floats() == [1, -2, 2, -4])
    }

    @Test("clamp with scalar bounds, one-sided bounds and tensor bounds")
    func clamp() throws {
        #expect(try a.clamped(min: -1, max: 2).floats() == [1, -1, 2, -1])
        #expect(try a.clamped(min: 0).floats() == [1, 0, 3, 0])
        #expect(try a.clamped(max: 0).floats() == [0, -2, 0, -4])
        // The box of an attack: δ ∈ [−x, 1−x]
        let x = try Tensor([0.1, 0.9, 0.5, 0.0] as [Float], shape: [2, 2])
        let delta = try Tensor([-0.5, 0.5, 0.2, -0.1] as [Float], shape: [2, 2])
        expectClose(try delta.clamped(min: -x, max: 1 - x).doubles(), [-0.1, 0.1, 0.2, 0], atol: 1e-7)
    }

    @Test("where picks element-wise")
    func select() throws {
        #expect(try Tensor.where(a.gt(0), a, b).floats() == [1, 2, 3, 2])
    }

    @Test("in-place updates change the storage")
    func inPlace() throws {
        let x = try Tensor([1, 2] as [Float])
        try x.addInPlace(Tensor([1, 1] as [Float]), alpha: -0.5)
        #expect(try x.floats() == [0.5, 1.5])
        try x.multiplyInPlace(2)
        #expect(try x.floats() == [1, 3])
        try x.multiplyInPlace(Tensor([2, 3] as [Float]))
        #expect(try x.floats() == [2, 9])
        try x.addProductInPlace(Tensor([1, 2] as [Float]), Tensor([3, 4] as [Float]), value: 0.5)
        #expect(try x.floats() == [3.5, 13])
        try x.addQuotientInPlace(Tensor([1, 2] as [Float]), Tensor([2, 4] as [Float]), value: 2)
        #expect(try x.floats() == [4.5, 14])
        try x.clampInPlace(min: 0, max: 5)
        #expect(try x.floats() == [4.5, 5])
        try x.clampInPlace(min: Tensor([4.6, 0] as [Float]), max: Tensor([10, 4] as [Float]))
        #expect(try x.floats() == [4.6, 4])
        try x.copy(from: Tensor([7, 8] as [Float]))
        #expect(try x.floats() == [7, 8])
        try x.fill(with: 3)
        #expect(try x.floats() == [3, 3])
        try x.zeroInPlace()
        #expect(try x.floats() == [0, 0])
    }
}
