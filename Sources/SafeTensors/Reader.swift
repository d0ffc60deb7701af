// Reader.swift: the in-memory model of a safetensors file and the validating reader.
//
// Layout (docs/architecture.md §7): u64 little-endian header length N | N bytes of UTF-8 JSON header |
// data buffer. `parse` checks the length field against the reference's 100 MB limit and the actual
// byte count before looking at the header, validates the header completely (Header.swift), and only
// then copies each tensor's bytes out. Every read index is derived from checked offsets, so no input
// can make it read outside `bytes`; total allocation is bounded by a small multiple of the input size.
//
// Usage:
//   let file = try SafeTensorsFile.read(contentsOf: url)
//   let w = file["conv1.weight"]!   // w.dtype, w.shape, w.data (little-endian bytes)

import Foundation

/// One named tensor: dtype, row-major shape, and exactly its bytes in little-endian order.
public struct SafeTensorsEntry: Sendable, Equatable {
    /// The state-dict key, e.g. `layer1.0.conv1.weight`.
    public let name: String
    public let dtype: SafeTensorsDType
    /// Row-major shape; `[]` is a scalar (one element), a zero dimension makes an empty tensor.
    public let shape: [Int]
    /// The tensor's bytes, little-endian, row-major. `startIndex` is 0.
    public let data: Data

    /// Creates an entry. Sizes are checked when the entry is serialized, not here.
    public init(name: String, dtype: SafeTensorsDType, shape: [Int], data: Data) {
        self.name = name
        self.dtype = dtype
        self.shape = shape
        // Rebase slices so `data[0]` is always the first byte.
        self.data = data.startIndex == 0 ? data : Data(data)
    }

    /// Number of elements (product of `shape`, 1 for a scalar), or nil if it overflows.
    public var elementCount: Int? {
        shape.reduce(Optional(1)) { acc, d in
            guard let acc, d >= 0 else { return nil }
            let (p, o) = acc.multipliedReportingOverflow(by: d)
            return o ? nil : p
        }
    }
}

/// A whole safetensors file: free-form string metadata plus tensors.
public struct SafeTensorsFile: Sendable {
    /// The `__metadata__` map (empty when the file has none).
    public let metadata: [String: String]
    /// Tensors in ascending data-offset order (file order for ties).
    public let entries: [SafeTensorsEntry]
    /// Name → position in `entries` (first occurrence wins if a caller passes duplicates).
    private let index: [String: Int]

    /// Wraps already-built entries (e.g. before `write`); no validation happens here.
    public init(metadata: [String: String], entries: [SafeTensorsEntry]) {
        self.metadata = metadata
        self.entries = entries
        self.index = Dictionary(entries.enumerated().map { ($1.name, $0) }, uniquingKeysWith: { first, _ in first })
    }

    /// The entry called `name`, or nil.
    public subscript(name: String) -> SafeTensorsEntry? {
        index[name].map { entries[$0] }
    }

    /// Tensor names in entry order.
    public var names: [String] { entries.map(\.name) }

    /// Reads and fully validates the file at `url`.
    /// - Throws: `SafeTensorsError` whose `source` is the file name: `.io` when the file cannot be read,
    ///   otherwise the first validation failure (see `parse`).
    public static func read(contentsOf url: URL) throws(SafeTensorsError) -> SafeTensorsFile {
        let source = url.lastPathComponent
        let bytes: Data
        do {
            // Not memory-mapped: a file truncated by another process would turn a mapped read into SIGBUS.
            bytes = try Data(contentsOf: url)
        } catch {
            // Foundation's error text is a multi-line NSError dump; say what went wrong in words.
            var isDirectory: ObjCBool = false
            let message =
                !FileManager.default.fileExists(atPath: url.path, isDirectory: &isDirectory) ? "no such file"
                : isDirectory.boolValue ? "it is a directory"
                : !FileManager.default.isReadableFile(atPath: url.path) ? "permission denied"
                : error.localizedDescription
            throw SafeTensorsError(source: source, problem: .io(operation: "reading \(url.path)", message: message))
        }
        return try parse(bytes, source: source)
    }

    /// Parses and fully validates a complete file image. Never traps and never reads outside `bytes`.
    /// - Parameters:
    ///   - bytes: the whole file: header length, JSON header and tensor data.
    ///   - source: the name used in error descriptions.
    /// - Throws: `SafeTensorsError` describing the first problem found; tensor problems name the key.
    public static func parse(_ bytes: Data, source: String = "<memory>") throws(SafeTensorsError) -> SafeTensorsFile {
        func fail(_ p: SafeTensorsError.Problem) -> SafeTensorsError { SafeTensorsError(source: source, problem: p) }
        // Work with 0-based offsets even if `bytes` is a slice of a larger Data.
        let base = bytes.startIndex
        guard bytes.count >= 8 else { throw fail(.fileTooShort(byteCount: bytes.count)) }
        var length: UInt64 = 0
        for i in 0..<8 { length |= UInt64(bytes[base + i]) << (8 * UInt64(i)) }
        // The reference's limit; checked before the file-size test so garbage is reported as such.
        guard length <= 100_000_000 else { throw fail(.headerTooLarge(length: length)) }
        let available = bytes.count - 8
        guard length <= UInt64(available) else { throw fail(.headerExceedsFile(length: length, available: available)) }
        let headerEnd = 8 + Int(length)
        let bufferSize = bytes.count - headerEnd

        let header: SafeTensorsHeader
        do {
            header = try SafeTensorsHeader.parse([UInt8](bytes[(base + 8)..<(base + headerEnd)]), bufferSize: bufferSize)
        } catch {
            throw fail(error.problem)
        }
        // Every record satisfies 0 <= begin <= end <= bufferSize (Header.swift), so these ranges are in bounds.
        let entries = header.records.map { r in
            SafeTensorsEntry(
                name: r.name, dtype: r.dtype, shape: r.shape,
                data: Data(bytes[(base + headerEnd + r.begin)..<(base + headerEnd + r.end)]))
        }
        return SafeTensorsFile(metadata: header.metadata, entries: entries)
    }
}
