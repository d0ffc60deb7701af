// Tensor+Bytes.swift: raw little-endian element bytes in and out, for checkpoint formats
// (safetensors) that store tensors exactly as they lie in memory on x86-64 and ARM64.
import CTorch

extension Tensor {
    /// A CPU tensor of `dtype` and `shape` holding a copy of `bytes` (row-major, native = little-endian).
    public convenience init(bytes: UnsafeRawBufferPointer, shape: [Int], dtype: DType) throws {
        let mismatch = TorchError("\(bytes.count) bytes cannot hold a \(dtype) tensor of shape \(shape)")
        var byteCount = dtype.byteSize
        for size in shape {
            let (product, overflow) = byteCount.multipliedReportingOverflow(by: size)
            guard size >= 0, !overflow else { throw mismatch }
            byteCount = product
        }
        guard byteCount == bytes.count else { throw mismatch }
        let handle = try withInt64s(shape) { sizes, rank in
            try handleCall { dt_from_data(bytes.baseAddress, sizes, rank, dtype.rawValue, $0) }
        }
        self.init(owning: handle)
    }

    /// A copy of the elements' bytes in row-major order (the tensor is brought to the CPU first).
    public func bytes() throws -> [UInt8] {
        let n = count * dtype.byteSize
        if n == 0 { return [] }
        HostReads.record()
        return try [UInt8](unsafeUninitializedCapacity: n) { buffer, initialized in
            try checkedCall { dt_tensor_copy_data(handle, buffer.baseAddress, n, $0) }
            initialized = n
        }
    }
}
