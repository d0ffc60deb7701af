// Tensor+Indexing.swift: reshapes, views, joins, gathers and scatters.
import CTorch

extension Tensor {
    /// The same elements with a new shape; one dimension may be -1 (inferred).
    public func reshaped(_ shape: [Int]) throws -> Tensor {
        try withInt64s(shape) { s, n in try tensorCall { dt_reshape(handle, s, n, $0) } }
    }

    public func permuted(_ dims: [Int]) throws -> Tensor {
        try withInt64s(dims) { d, n in try tensorCall { dt_permute(handle, d, n, $0) } }
    }

    public func transposed(_ dim0: Int, _ dim1: Int) throws -> Tensor {
        try tensorCall { dt_transpose(handle, Int64(dim0), Int64(dim1), $0) }
    }

    /// A broadcast view with the given shape (-1 keeps a dimension).
    public func expanded(to shape: [Int]) throws -> Tensor {
        try withInt64s(shape) { s, n in try tensorCall { dt_expand(handle, s, n, $0) } }
    }

    public func flattened(from start: Int = 0, to end: Int = -1) throws -> Tensor {
        try tensorCall { dt_flatten(handle, Int64(start), Int64(end), $0) }
    }

    public func squeezed(dim: Int) throws -> Tensor { try tensorCall { dt_squeeze(handle, Int64(dim), $0) } }

    public func unsqueezed(dim: Int) throws -> Tensor { try tensorCall { dt_unsqueeze(handle, Int64(dim), $0) } }

    /// `length` entries from `start` along `dim`, as a view (`torch.narrow`).
    public func narrowed(dim: Int, start: Int, length: Int) throws -> Tensor {
        try tensorCall { dt_narrow(handle, Int64(dim), Int64(start), Int64(length), $0) }
    }

    /// Rows `range` along `dim`, as a view.
    public func slice(dim: Int = 0, _ range: Range<Int>) throws -> Tensor {
        try narrowed(dim: dim, start: range.lowerBound, length: range.count)
    }

    /// The entry `index` of `dim`, removing that dimension (`t[i]` for dim 0).
    public func select(dim: Int = 0, index: Int) throws -> Tensor {
        try tensorCall { dt_select(handle, Int64(dim), Int64(index), $0) }
    }

    /// Entries at `indices` (an int64 tensor) along `dim`.
    public func indexSelect(dim: Int, indices: Tensor) throws -> Tensor {
        try tensorCall { dt_index_select(handle, Int64(dim), indices.handle, $0) }
    }

    /// The elements where `mask` is true, as a 1-D tensor.
    public func maskedSelect(_ mask: Tensor) throws -> Tensor {
        try tensorCall { dt_masked_select(handle, mask.handle, $0) }
    }

    /// Indices of the non-zero elements, one row per element (`torch.nonzero`).
    public func nonzero() throws -> Tensor { try tensorCall { dt_nonzero(handle, $0) } }

    /// Joins tensors along an existing dimension.
    public static func cat(_ tensors: [Tensor], dim: Int = 0) throws -> Tensor {
        try withHandles(tensors) { list, n in try tensorCall { dt_cat(list, n, Int64(dim), $0) } }
    }

    /// Joins tensors along a new dimension.
    public static func stack(_ tensors: [Tensor], dim: Int = 0) throws -> Tensor {
        try withHandles(tensors) { list, n in try tensorCall { dt_stack(list, n, Int64(dim), $0) } }
    }

    /// Reverses the order of entries along `dims` (horizontal flip: dims [3] of NCHW).
    public func flipped(dims: [Int]) throws -> Tensor {
        try withInt64s(dims) { d, n in try tensorCall { dt_flip(handle, d, n, $0) } }
    }

    /// Pads with a constant; `pad` lists (before, after) pairs from the last dimension backwards,
    /// as `torch.nn.functional.pad` does.
    public func padded(_ pad: [Int], value: some ScalarConvertible = 0) throws -> Tensor {
        try withInt64s(pad) { p, n in try tensorCall { dt_constant_pad_nd(handle, p, n, value.scalar, $0) } }
    }

    /// out[i][j] = self[i][index[i][j]] for dim 1 (`torch.gather`).
    public func gather(dim: Int, indices: Tensor) throws -> Tensor {
        try tensorCall { dt_gather(handle, Int64(dim), indices.handle, $0) }
    }

    /// A copy with `source` values written at `indices` along `dim` (`torch.scatter`).
    public func scattered(dim: Int, indices: Tensor, source: Tensor) throws -> Tensor {
        try tensorCall { dt_scatter(handle, Int64(dim), indices.handle, source.handle, $0) }
    }

    /// A copy with `value` written at `indices` along `dim`.
    public func scattered(dim: Int, indices: Tensor, value: some ScalarConvertible) throws -> Tensor {
        try tensorCall { dt_scatter_value(handle, Int64(dim), indices.handle, value.scalar, $0) }
    }

    /// One-hot encoding of an int64 tensor of class indices.
    public func oneHot(classes: Int) throws -> Tensor {
        try tensorCall { dt_one_hot(handle, Int64(classes), $0) }
    }
}
