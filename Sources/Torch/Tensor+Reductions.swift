// Tensor+Reductions.swift: sums, means, extrema, norms, sorting and matmul.
// An empty `dims` list reduces over every dimension, like PyTorch's `t.sum()`.
import CTorch

extension Tensor {
    /// Sum over `dims` (all when empty); `dtype` sets the accumulation/result type.
    public func sum(dims: [Int] = [], keepDims: Bool = false, dtype: DType? = nil) throws -> Tensor {
        try withInt64s(dims) { d, n in try tensorCall { dt_sum(handle, d, n, keepDims, dtype?.rawValue ?? -1, $0) } }
    }

    public func mean(dims: [Int] = [], keepDims: Bool = false) throws -> Tensor {
        try withInt64s(dims) { d, n in try tensorCall { dt_mean(handle, d, n, keepDims, $0) } }
    }

    /// Maximum value over `dims` (`torch.amax`).
    public func max(dims: [Int] = [], keepDims: Bool = false) throws -> Tensor {
        try withInt64s(dims) { d, n in try tensorCall { dt_amax(handle, d, n, keepDims, $0) } }
    }

    /// Minimum value over `dims` (`torch.amin`).
    public func min(dims: [Int] = [], keepDims: Bool = false) throws -> Tensor {
        try withInt64s(dims) { d, n in try tensorCall { dt_amin(handle, d, n, keepDims, $0) } }
    }

    /// Maximum along `dim` with its indices (`torch.max(t, dim)`).
    public func max(dim: Int, keepDims: Bool = false) throws -> (values: Tensor, indices: Tensor) {
        try pairCall { v, i, e in dt_max_dim(handle, Int64(dim), keepDims, v, i, e) }
    }

    /// Minimum along `dim` with its indices (`torch.min(t, dim)`).
    public func min(dim: Int, keepDims: Bool = false) throws -> (values: Tensor, indices: Tensor) {
        try pairCall { v, i, e in dt_min_dim(handle, Int64(dim), keepDims, v, i, e) }
    }

    public func argmax(dim: Int, keepDims: Bool = false) throws -> Tensor {
        try tensorCall { dt_argmax(handle, Int64(dim), keepDims, $0) }
    }

    public func argmin(dim: Int, keepDims: Bool = false) throws -> Tensor {
        try tensorCall { dt_argmin(handle, Int64(dim), keepDims, $0) }
    }

    /// log Σ exp over `dims`, computed stably.
    public func logSumExp(dims: [Int], keepDims: Bool = false) throws -> Tensor {
        try withInt64s(dims) { d, n in try tensorCall { dt_logsumexp(handle, d, n, keepDims, $0) } }
    }

    /// The p-norm over `dims` (all when empty); p = .infinity gives the max-abs norm.
    public func norm(p: Double = 2, dims: [Int] = [], keepDims: Bool = false) throws -> Tensor {
        try withInt64s(dims) { d, n in try tensorCall { dt_norm(handle, p, d, n, keepDims, $0) } }
    }

    /// True when every element is non-zero (a bool scalar tensor).
    public func all() throws -> Tensor { try tensorCall { dt_all(handle, $0) } }

    /// True when some element is non-zero (a bool scalar tensor).
    public func any() throws -> Tensor { try tensorCall { dt_any(handle, $0) } }

    /// The k largest (or smallest) entries along `dim`.
    public func topk(_ k: Int, dim: Int = -1, largest: Bool = true, sorted: Bool = true) throws
        -> (values: Tensor, indices: Tensor)
    {
        try pairCall { v, i, e in dt_topk(handle, Int64(k), Int64(dim), largest, sorted, v, i, e) }
    }

    public func sorted(dim: Int = -1, descending: Bool = false) throws -> (values: Tensor, indices: Tensor) {
        try pairCall { v, i, e in dt_sort(handle, Int64(dim), descending, v, i, e) }
    }

    /// Matrix product with PyTorch's broadcasting rules (`torch.matmul`).
    public func matmul(_ other: Tensor) throws -> Tensor { try tensorCall { dt_matmul(handle, other.handle, $0) } }
}
