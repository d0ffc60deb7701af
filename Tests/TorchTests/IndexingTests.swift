// Shape ops, joins, gathers and scatters against hand-derived values.
import Testing
import TestSupport
import Torch

@Suite("Shapes and indexing")
struct IndexingTests {
    // [[0, 1, 2],
    //  [3, 4, 5]]
    let x: Tensor

    init() throws {
        x = try Tensor.arange(0, 6, dtype: .float32).reshaped([2, 3])
    }

    @Test("reshape, permute, transpose, flatten, squeeze and unsqueeze")
    func reshapes() throws {
        #expect(try x.reshaped([3, -1]).shape == [3, 2])
        #expect(try x.permuted([1, 0]).floats() == [0, 3, 1, 4, 2, 5])
        #expect(try x.transposed(0, 1).shape == [3, 2])
        #expect(try x.unsqueezed(dim: 0).shape == [1, 2, 3])
        #expect(try x.unsqueezed(dim: 0).squeezed(dim: 0).shape == [2, 3])
        #expect(try x.reshaped([1, 2, 3, 1]).flattened(from: 1).shape == [1, 6])
        #expect(try x.expanded(to: [4, 2, 3]).shape == [4, 2, 3])
        #expect(throws: TorchError.self) { try x.reshaped([4, 2]) }
    }

    @Test("narrow, slice and select take views")
    func views() throws {
        #expect(try x.narrowed(dim: 1, start: 1, length: 2).floats() == [1, 2, 4, 5])
        #expect(try x.slice(dim: 0, 1..<2).floats() == [3, 4, 5])
        #expect(try x.select(dim: 1, index: 2).floats() == [2, 5])
        let view = try x.select(index: 0)
        try view.fill(with: 9)
        #expect(try x.floats() == [9, 9, 9, 3, 4, 5])
    }

    @Test("indexSelect, maskedSelect and nonzero")
    func indexing() throws {
        #expect(try x.indexSelect(dim: 1, indices: Tensor([2, 0] as [Int64])).floats() == [2, 0, 5, 3])
        #expect(try x.maskedSelect(x.gt(2)).floats() == [3, 4, 5])
        #expect(try x.gt(3).nonzero().ints() == [1, 1, 1, 2])
    }

    @Test("cat joins along a dimension and stack adds one")
    func joins() throws {
        #expect(try Tensor.cat([x, x], dim: 0).shape == [4, 3])
        #expect(try Tensor.cat([x, x], dim: 1).floats() == [0, 1, 2, 0, 1, 2, 3, 4, 5, 3, 4, 5])
        #expect(try Tensor.stack([x, x], dim: 1).shape == [2, 2, 3])
        #expect(throws: TorchError.self) { try Tensor.cat([x, x.transposed(0, 1)], dim: 0) }
    }

    @Test("flip reverses and pad adds a constant border")
    func flipPad() throws {
        #expect(try x.flipped(dims: [1]).floats() == [2, 1, 0, 5, 4, 3])
        let padded = try x.padded([1, 1, 0, 1], value: -1)
        #expect(padded.shape == [3, 5])
        #expect(try padded.floats() == [-1, 0, 1, 2, -1, -1, 3, 4, 5, -1, -1, -1, -1, -1, -1])
    }

    @Test("gather, scatter and one-hot")
    func gatherScatter() throws {
        let idx = try Tensor([2, 0, 1, 1] as [Int64], shape: [2, 2])
        #expect(try x.gather(dim: 1, indices: idx).floats() == [2, 0, 4, 4])
        #expect(try x.scattered(dim: 1, indices: idx, value: -1).floats() == [-1, 1, -1, 3, -1, 5])
        let src = try Tensor([10, 20, 30, 40] as [Float], shape: [2, 2])
        let distinct = try Tensor([2, 0, 1, 0] as [Int64], shape: [2, 2])
        #expect(try x.scattered(dim: 1, indices: distinct, source: src).floats() == [20, 1, 10, 40, 30, 5])
        #expect(try Tensor([1, 0] as [Int64]).oneHot(classes: 3).ints() == [0, 1, 0, 1, 0, 0])
        #expect(throws: TorchError.self) { try Tensor([3] as [Int64]).oneHot(classes: 3) }
    }
}
