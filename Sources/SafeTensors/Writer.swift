// Writer.swift: serializes tensors to the safetensors layout exactly as the reference writer does,
// and writes files atomically.
//
// Byte layout matches huggingface/safetensors `serialize` (tensor.rs `prepare`): tensors sorted by
// descending dtype alignment, then by name (bytewise); compact JSON with `__metadata__` first; header
// padded with spaces to a multiple of 8 so every tensor starts 8-byte aligned in an aligned file.
// `__metadata__` always contains "format": "pt": transformers refuses files without it
// (https://github.com/ml-explore/mlx/issues/743). Metadata keys are written sorted, so the same
// input always gives the same bytes.
// Files are written through Storage's AtomicFile: a crash leaves either the old file or the new one.
//
// Usage: try SafeTensorsFile.write(entries, metadata: ["deat.method": "pgd"], to: url)

import Foundation
import Storage

extension SafeTensorsFile {
    /// The bytes of a safetensors file holding `entries` and `metadata` (plus `"format": "pt"`).
    /// - Throws: `SafeTensorsError` (source `"<memory>"`) for duplicate or reserved names, negative or
    ///   overflowing shapes, data whose size does not match dtype × shape, or a conflicting `format`.
    public static func serialize(_ entries: [SafeTensorsEntry], metadata: [String: String]) throws(SafeTensorsError) -> Data {
        let layout = try Layout(entries, metadata: metadata, source: "<memory>")
        var out = Data(capacity: layout.header.count + layout.bufferSize)
        out.append(layout.header)
        for entry in layout.ordered { out.append(entry.data) }
        return out
    }

    /// Writes `entries` and `metadata` to `url` atomically (temp file in the same directory, fsync,
    /// rename). The entries are validated before anything touches the disk.
    /// - Throws: `SafeTensorsError` with the file name as source: the `serialize` problems, or `.io`.
    public static func write(_ entries: [SafeTensorsEntry], metadata: [String: String], to url: URL) throws(SafeTensorsError) {
        let layout = try Layout(entries, metadata: metadata, source: url.lastPathComponent)
        do throws(FileWriteError) {
            try AtomicFile.write(to: url) { handle throws in
                // Streamed: no second full-size copy of the model in memory.
                try handle.write(contentsOf: layout.header)
                AtomicFile.partlyWritten(url)
                for entry in layout.ordered { try handle.write(contentsOf: entry.data) }
            }
        } catch {
            throw SafeTensorsError(source: error.file, problem: .io(operation: error.operation, message: error.message))
        }
    }

    /// Writes this file's entries and metadata to `url` atomically; see `write(_:metadata:to:)`.
    public func write(to url: URL) throws(SafeTensorsError) {
        try Self.write(entries, metadata: metadata, to: url)
    }
}

/// A validated write plan: length field + padded header, and the entries in buffer order.
private struct Layout {
    let header: Data
    let ordered: [SafeTensorsEntry]
    let bufferSize: Int

    init(_ entries: [SafeTensorsEntry], metadata: [String: String], source: String) throws(SafeTensorsError) {
        func fail(_ p: SafeTensorsError.Problem) -> SafeTensorsError { SafeTensorsError(source: source, problem: p) }
        var meta = metadata
        if let format = meta["format"], format != "pt" { throw fail(.metadataConflict(key: "format", value: format)) }
        meta["format"] = "pt"

        var seen = Set<String>()
        for e in entries {
            guard e.name != SafeTensorsHeader.metadataKey else { throw fail(.reservedName(tensor: e.name)) }
            guard seen.insert(e.name).inserted else { throw fail(.duplicateTensor(e.name)) }
            guard e.shape.allSatisfy({ $0 >= 0 }) else { throw fail(.negativeDimension(tensor: e.name, shape: e.shape)) }
            guard let bytes = e.dtype.byteCount(shape: e.shape) else {
                throw fail(.shapeOverflow(tensor: e.name, shape: e.shape, dtype: e.dtype))
            }
            guard bytes == e.data.count else {
                throw fail(.dataSizeMismatch(tensor: e.name, dtype: e.dtype, shape: e.shape,
                                             expectedBytes: bytes, actualBytes: e.data.count))
            }
        }
        // The reference: `right.dtype().cmp(&left.dtype()).then(lname.cmp(rname))`; Rust compares
        // strings bytewise, so compare UTF-8, not Swift's Unicode-aware `<`.
        ordered = entries.sorted { a, b in
            if a.dtype.alignmentRank != b.dtype.alignmentRank { return a.dtype.alignmentRank > b.dtype.alignmentRank }
            return a.name.utf8.lexicographicallyPrecedes(b.name.utf8)
        }

        var json = "{" + jsonQuoted(SafeTensorsHeader.metadataKey) + ":{"
        json += meta.sorted { $0.key.utf8.lexicographicallyPrecedes($1.key.utf8) }
            .map { jsonQuoted($0.key) + ":" + jsonQuoted($0.value) }
            .joined(separator: ",")
        json += "}"
        var offset = 0
        for e in ordered {
            let end = offset + e.data.count  // sums of in-memory sizes cannot overflow Int
            json += "," + jsonQuoted(e.name) + ":{\"dtype\":\"\(e.dtype.rawValue)\",\"shape\":["
            json += e.shape.map(String.init).joined(separator: ",")
            json += "],\"data_offsets\":[\(offset),\(end)]}"
            offset = end
        }
        json += "}"
        var headerBytes = Array(json.utf8)
        headerBytes += [UInt8](repeating: 0x20, count: (8 - headerBytes.count % 8) % 8)

        var header = Data(capacity: 8 + headerBytes.count)
        withUnsafeBytes(of: UInt64(headerBytes.count).littleEndian) { header.append(contentsOf: $0) }
        header.append(contentsOf: headerBytes)
        self.header = header
        self.bufferSize = offset
    }
}
