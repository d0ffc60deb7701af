// DTypeName.swift: the safetensors dtype names deat reads and writes, with their element sizes.
//
// Format: docs/architecture.md §7 (huggingface/safetensors `Dtype`, safetensors/src/tensor.rs).
// The cases are declared in the reference's order, which is increasing alignment; the writer sorts
// tensors by descending position in this order, then by name, exactly as the reference writer does.
// The 8-, 6- and 4-bit float names (`F8_E4M3`, `F6_E2M3`, `F4`, …) are deliberately not supported:
// libtorch 1.13 has no such types, so a file using them is rejected with `unknownDType`.
//
// Usage: `SafeTensorsDType(rawValue: "F32")?.byteSize == 4`

/// An element type as named in a safetensors header (`"dtype": "F32"`).
public enum SafeTensorsDType: String, Sendable, CaseIterable, Hashable {
    case bool = "BOOL"
    case u8 = "U8"
    case i8 = "I8"
    case i16 = "I16"
    case u16 = "U16"
    case f16 = "F16"
    case bf16 = "BF16"
    case i32 = "I32"
    case u32 = "U32"
    case f32 = "F32"
    case f64 = "F64"
    case i64 = "I64"
    case u64 = "U64"

    /// Bytes per element. `BOOL` is one byte per element (0 or 1), as in PyTorch.
    public var byteSize: Int {
        switch self {
        case .bool, .u8, .i8: return 1
        case .i16, .u16, .f16, .bf16: return 2
        case .i32, .u32, .f32: return 4
        case .f64, .i64, .u64: return 8
        }
    }

    /// Position in the reference's `Dtype` enum (increasing alignment). The writer orders tensors by
    /// descending rank so that, given an 8-byte aligned buffer start, every tensor starts aligned.
    var alignmentRank: Int {
        // `allCases` is in declaration order, which mirrors the reference enum.
        Self.allCases.firstIndex(of: self)!
    }

    /// Number of bytes a tensor of this dtype and `shape` occupies, or `nil` when a dimension is negative
    /// or the element count or byte count does not fit in `Int`. Never allocates.
    public func byteCount(shape: [Int]) -> Int? {
        var count = 1
        for dim in shape {
            guard dim >= 0 else { return nil }
            let (product, overflow) = count.multipliedReportingOverflow(by: dim)
            guard !overflow else { return nil }
            count = product
        }
        let (bytes, overflow) = count.multipliedReportingOverflow(by: byteSize)
        return overflow ? nil : bytes
    }
}

extension SafeTensorsDType: CustomStringConvertible {
    /// The header name, e.g. `F32`.
    public var description: String { rawValue }
}
