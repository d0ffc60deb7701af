// Writer.swift: serializes tensors to the safetensors layout exactly as the reference writer does,
// and writes files atomically.
//
// Byte layout matches huggingface/safetensors `serialize` (tensor.rs `prepare`): tensors sorted by
// descending dtype alignment, then by name (bytewise); compact JSON with `__metadata__` first; header
// padded with spaces to a multiple of 8 so every tensor starts 8-byte aligned in an aligned file.
// `__metadata__` always contains "format": "pt": transformers refuses files without it
// (https://github.com/ml-explore/mlx/issues/743). Metadata keys are written sorted, so the same
// input always gives the same bytes.
// Atomic write: temp file in the destination's directory, write, fsync, rename over the destination,
// fsync the directory. A crash leaves either the old file or the new one, never a torn file; a failure
// before the rename removes the temp file and leaves the old file untouched.
//
// Usage: try SafeTensorsFile.write(entries, metadata: ["deat.method": "pgd"], to: url)

import Foundation

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
        try AtomicFile.write(to: url) { handle throws in
            // Streamed: no second full-size copy of the model in memory.
            try handle.write(contentsOf: layout.header)
            AtomicFile.partlyWritten(url)
            for entry in layout.ordered { try handle.write(contentsOf: entry.data) }
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

/// Atomic replace of one file via a uniquely named temp file next to it (`.NAME.tmp-UUID`): a reader
/// sees the old file or the new one, never a mix, also after a crash. deat's logs use it too.
public enum AtomicFile {
    /// Temp files a killed writer may have left in a directory (they never replaced anything).
    public static func isLeftoverTemporary(_ name: String) -> Bool {
        name.hasPrefix(".") && name.contains(".tmp-")
    }

    /// Removes the temp files that killed writes of `url` left next to it; returns their names.
    /// (A run directory is deat's alone and loses every leftover; a report may sit among other files.)
    public static func removeLeftovers(of url: URL) -> [String] {
        let directory = url.deletingLastPathComponent()
        let prefix = ".\(url.lastPathComponent).tmp-"
        let names = (try? FileManager.default.contentsOfDirectory(atPath: directory.path)) ?? []
        let leftovers = names.filter { $0.hasPrefix(prefix) }
        for name in leftovers { try? FileManager.default.removeItem(at: directory.appendingPathComponent(name)) }
        return leftovers
    }

    /// Atomically replaces `url` with `data`.
    public static func write(_ data: Data, to url: URL) throws(SafeTensorsError) {
        try write(to: url) { handle in
            // In two halves, so that a test can kill the process with the temp file half written.
            let half = data.startIndex + data.count / 2
            try handle.write(contentsOf: data[..<half])
            partlyWritten(url)
            try handle.write(contentsOf: data[half...])
        }
    }

    /// The fault-injection point between a partial write of `url`'s temp file and the rest.
    static func partlyWritten(_ url: URL) {
        FaultInjection.reached("write:" + url.lastPathComponent)
    }

    static func write(to url: URL, _ body: (FileHandle) throws -> Void) throws(SafeTensorsError) {
        let source = url.lastPathComponent
        func ioError(_ operation: String, _ message: String) -> SafeTensorsError {
            SafeTensorsError(source: source, problem: .io(operation: operation, message: message))
        }
        let directory = url.deletingLastPathComponent()
        // Same directory as the target: rename(2) is only atomic within one file system.
        let temp = directory.appendingPathComponent(".\(source).tmp-\(UUID().uuidString)")
        // O_EXCL: never reuse or follow something already at the temp path.
        let fd = open(temp.path, O_WRONLY | O_CREAT | O_EXCL | O_CLOEXEC, 0o644)
        // Named after the destination, not the temp file: "writing /x/r.json failed: Not a directory".
        guard fd >= 0 else { throw ioError("writing \(url.path)", String(cString: strerror(errno))) }
        let handle = FileHandle(fileDescriptor: fd, closeOnDealloc: false)
        do {
            defer { close(fd) }  // exactly once, whether or not writing succeeded
            try body(handle)
            try handle.synchronize()  // fsync: the data is on disk before the name points at it
        } catch {
            unlink(temp.path)
            // Disk full (ENOSPC) and `ulimit -f` (EFBIG, with SIGXFSZ ignored) end here: say so plainly.
            throw ioError("writing \(url.path)", "\(systemMessage(error)); the previous \(source), if any, is unchanged")
        }
        FaultInjection.reached("rename:" + source)
        guard rename(temp.path, url.path) == 0 else {
            let message = String(cString: strerror(errno))
            unlink(temp.path)
            throw ioError("renaming \(temp.path) to \(url.path)", message)
        }
        FaultInjection.reached("renamed:" + source)
        // Persist the rename itself. Best effort: some file systems refuse fsync on directories.
        let dirFD = open(directory.path, O_RDONLY | O_DIRECTORY | O_CLOEXEC)
        if dirFD >= 0 {
            _ = fsync(dirFD)
            close(dirFD)
        }
    }
}

/// strerror's text ("File too large") for a failed FileHandle write, rather than NSError's
/// multi-part description; anything else as it describes itself.
private func systemMessage(_ error: any Error) -> String {
    let ns = error as NSError
    if ns.domain == NSPOSIXErrorDomain { return String(cString: strerror(Int32(ns.code))) }
    if let underlying = ns.userInfo[NSUnderlyingErrorKey] as? NSError, underlying.domain == NSPOSIXErrorDomain {
        return String(cString: strerror(Int32(underlying.code)))
    }
    return "\(error)"
}
