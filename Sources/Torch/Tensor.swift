// Tensor.swift: the owner of one libtorch tensor handle (mlx-swift's MLXArray, tch-rs's Tensor).
//
// A Tensor is a final class that frees its handle exactly once, in deinit. Ops return new
// tensors; the few in-place ops say so in their names (Tensor+InPlace.swift). Tensors are not
// Sendable: libtorch tensors are not safe to share across threads without synchronisation.
import CTorch

/// An n-dimensional array on a device, with autograd. See the `Tensor+*.swift` files for ops.
public final class Tensor {
    let handle: OpaquePointer

    /// Takes ownership of a handle returned by the shim (+1).
    init(owning handle: OpaquePointer) {
        self.handle = handle
    }

    deinit {
        dt_tensor_free(handle)
    }

    /// The sizes of each dimension.
    public var shape: [Int] {
        let rank = Int(dt_tensor_dim(handle))
        var sizes = [Int64](repeating: 0, count: rank)
        dt_tensor_sizes(handle, &sizes)
        return sizes.map(Int.init)
    }

    /// Element strides of each dimension.
    public var strides: [Int] {
        let rank = Int(dt_tensor_dim(handle))
        var values = [Int64](repeating: 0, count: rank)
        dt_tensor_strides(handle, &values)
        return values.map(Int.init)
    }

    public var rank: Int { Int(dt_tensor_dim(handle)) }
    public var count: Int { Int(dt_tensor_numel(handle)) }
    public var isContiguous: Bool { dt_tensor_is_contiguous(handle) }
    public var device: Device { Device(code: dt_tensor_device(handle)) }

    public var dtype: DType {
        // Tensors are only ever created with supported dtypes; fall back loudly if not.
        (try? DType(code: dt_tensor_dtype(handle))) ?? .float32
    }

    /// A new handle to the same storage (tch-rs's shallow_clone): no data is copied, and an
    /// in-place update through one handle is seen through the other.
    public func alias() throws -> Tensor {
        try tensorCall { dt_tensor_shallow_clone(handle, $0) }
    }

    // MARK: Copying out

    /// The elements in row-major order, copied to the CPU. `T` must match `dtype`.
    public func scalars<T: TensorElement>(as _: T.Type = T.self) throws -> [T] {
        guard T.dtype == dtype else {
            throw TorchError("cannot read a \(dtype) tensor as [\(T.self)] (\(T.dtype)); convert it with to(dtype:) first")
        }
        let n = count
        if n == 0 { return [] }
        HostReads.record()
        return try [T](unsafeUninitializedCapacity: n) { buffer, initialized in
            try checkedCall { dt_tensor_copy_data(handle, buffer.baseAddress, n * T.dtype.byteSize, $0) }
            initialized = n
        }
    }

    /// Elements as `[Float]`, converting from any dtype (for tests and reports).
    public func floats() throws -> [Float] {
        try (dtype == .float32 ? self : to(dtype: .float32)).scalars(as: Float.self)
    }

    /// Elements as `[Double]`, converting from any dtype.
    public func doubles() throws -> [Double] {
        try (dtype == .float64 ? self : to(dtype: .float64)).scalars(as: Double.self)
    }

    /// Elements as `[Int]`, converting from any dtype.
    public func ints() throws -> [Int] {
        try (dtype == .int64 ? self : to(dtype: .int64)).scalars(as: Int64.self).map(Int.init)
    }

    /// The value of a one-element tensor.
    public func item() throws -> Double {
        HostReads.record()
        return try checkedCall { dt_tensor_item(handle, $0) }
    }

    // MARK: Device and dtype

    /// The tensor on `device` and/or as `dtype`; returns an alias when nothing changes.
    public func to(device: Device? = nil, dtype: DType? = nil, nonBlocking: Bool = false) throws -> Tensor {
        if let device { try device.validate() }
        let deviceCode = (device ?? self.device).code
        let dtypeCode = dtype?.rawValue ?? -1
        return try tensorCall { dt_to(handle, deviceCode, dtypeCode, nonBlocking, $0) }
    }

    public func contiguous() throws -> Tensor { try tensorCall { dt_contiguous(handle, $0) } }

    /// A deep copy that stays in the autograd graph (`torch.clone`).
    public func cloned() throws -> Tensor { try tensorCall { dt_clone(handle, $0) } }

    /// The same data outside the autograd graph (`torch.detach`).
    public func detached() throws -> Tensor { try tensorCall { dt_detach(handle, $0) } }
}

extension Tensor: CustomStringConvertible {
    /// libtorch's printout of the values, shape and dtype.
    public var description: String {
        var err = dt_error(message: nil)
        guard let text = dt_tensor_to_string(handle, &err) else {
            dt_error_free(&err)
            return "Tensor(shape: \(shape), dtype: \(dtype), device: \(device))"
        }
        defer { dt_string_free(text) }
        return String(cString: text)
    }
}
