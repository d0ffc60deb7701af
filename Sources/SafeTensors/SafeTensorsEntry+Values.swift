// SafeTensorsEntry+Values.swift: typed access to an entry's little-endian bytes for the Swift scalar
// types that have a safetensors dtype, so callers and tests need not hand-roll byte conversions.
//
// The byte order is fixed little-endian by the format, whatever the host; conversions go through
// `littleEndian`/`bitPattern` so they also hold on a big-endian host. F16/BF16 have no portable Swift
// type (Float16 is unavailable on macOS x86), so they stay raw `data`.
//
// Usage:
//   let e = SafeTensorsEntry(name: "fc.bias", shape: [10], values: [Float](repeating: 0, count: 10))
//   let v: [Float]? = e.values(as: Float.self)

import Foundation

/// A Swift scalar type stored as one safetensors dtype.
public protocol SafeTensorsScalar: Sendable {
    /// The dtype this type is stored as.
    static var safeTensorsDType: SafeTensorsDType { get }
    /// Appends the little-endian bytes of `self`.
    func appendLittleEndian(to data: inout Data)
    /// Reads a value from `MemoryLayout<Self>.size` little-endian bytes.
    init(littleEndianBytes bytes: UnsafeRawBufferPointer)
}

extension SafeTensorsScalar where Self: FixedWidthInteger {
    public func appendLittleEndian(to data: inout Data) {
        withUnsafeBytes(of: littleEndian) { data.append(contentsOf: $0) }
    }
    public init(littleEndianBytes bytes: UnsafeRawBufferPointer) {
        self.init(littleEndian: bytes.loadUnaligned(as: Self.self))
    }
}

extension UInt8: SafeTensorsScalar { public static var safeTensorsDType: SafeTensorsDType { .u8 } }
extension Int8: SafeTensorsScalar { public static var safeTensorsDType: SafeTensorsDType { .i8 } }
extension Int16: SafeTensorsScalar { public static var safeTensorsDType: SafeTensorsDType { .i16 } }
extension UInt16: SafeTensorsScalar { public static var safeTensorsDType: SafeTensorsDType { .u16 } }
extension Int32: SafeTensorsScalar { public static var safeTensorsDType: SafeTensorsDType { .i32 } }
extension UInt32: SafeTensorsScalar { public static var safeTensorsDType: SafeTensorsDType { .u32 } }
extension Int64: SafeTensorsScalar { public static var safeTensorsDType: SafeTensorsDType { .i64 } }
extension UInt64: SafeTensorsScalar { public static var safeTensorsDType: SafeTensorsDType { .u64 } }

extension Float: SafeTensorsScalar {
    public static var safeTensorsDType: SafeTensorsDType { .f32 }
    public func appendLittleEndian(to data: inout Data) { bitPattern.appendLittleEndian(to: &data) }
    public init(littleEndianBytes bytes: UnsafeRawBufferPointer) {
        self.init(bitPattern: UInt32(littleEndianBytes: bytes))
    }
}

extension Double: SafeTensorsScalar {
    public static var safeTensorsDType: SafeTensorsDType { .f64 }
    public func appendLittleEndian(to data: inout Data) { bitPattern.appendLittleEndian(to: &data) }
    public init(littleEndianBytes bytes: UnsafeRawBufferPointer) {
        self.init(bitPattern: UInt64(littleEndianBytes: bytes))
    }
}

extension Bool: SafeTensorsScalar {
    public static var safeTensorsDType: SafeTensorsDType { .bool }
    public func appendLittleEndian(to data: inout Data) { data.append(self ? 1 : 0) }
    /// Any non-zero byte is true, as in PyTorch.
    public init(littleEndianBytes bytes: UnsafeRawBufferPointer) { self = bytes[0] != 0 }
}

extension SafeTensorsEntry {
    /// An entry holding `values` (row-major) as `T`'s dtype. The count is checked against `shape` when
    /// the entry is serialized.
    public init<T: SafeTensorsScalar>(name: String, shape: [Int], values: [T]) {
        var data = Data(capacity: values.count * T.safeTensorsDType.byteSize)
        for v in values { v.appendLittleEndian(to: &data) }
        self.init(name: name, dtype: T.safeTensorsDType, shape: shape, data: data)
    }

    /// The elements decoded as `T`, or nil when `dtype` is not `T`'s dtype or the byte count is not a
    /// whole number of elements.
    public func values<T: SafeTensorsScalar>(as type: T.Type) -> [T]? {
        let size = T.safeTensorsDType.byteSize
        guard dtype == T.safeTensorsDType, data.count % size == 0 else { return nil }
        return data.withUnsafeBytes { raw in
            (0..<(raw.count / size)).map { i in
                T(littleEndianBytes: UnsafeRawBufferPointer(rebasing: raw[(i * size)..<((i + 1) * size)]))
            }
        }
    }
}
