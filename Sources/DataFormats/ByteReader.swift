// ByteReader: sequential, bounded reads from a file, a buffer, or a gzip stream (Gzip.swift).
//
// The readers (IDX, Tar) pull exactly the bytes a header promises, in chunks, so a header that claims
// 10^12 elements costs at most one chunk before the shortfall is noticed: nothing is allocated that
// the input does not actually contain.
//
//   let reader = try openByteReader(url)          // transparently gunzips when the file starts 1f 8b
//   var header: [UInt8] = []
//   guard try reader.readExactly(16, into: &header) else { ... truncated ... }

import Foundation

/// A forward-only source of bytes.
protocol ByteReader: AnyObject {
    /// Appends at most `count` (> 0) bytes to `buffer` and returns how many; 0 means the end.
    func read(upTo count: Int, into buffer: inout [UInt8]) throws -> Int
}

/// Chunk size for incremental reads: growth of a buffer tracks bytes actually present.
let byteReaderChunk = 1 << 20

extension ByteReader {
    /// Appends exactly `count` bytes to `buffer`; false if the input ended first (partial bytes stay appended).
    func readExactly(_ count: Int, into buffer: inout [UInt8]) throws -> Bool {
        var remaining = count
        while remaining > 0 {
            let got = try read(upTo: min(remaining, byteReaderChunk), into: &buffer)
            if got == 0 { return false }
            remaining -= got
        }
        return true
    }

    /// Discards up to `count` bytes and returns how many were there.
    func skip(_ count: Int) throws -> Int {
        var remaining = count
        var scratch: [UInt8] = []
        while remaining > 0 {
            scratch.removeAll(keepingCapacity: true)
            let got = try read(upTo: min(remaining, byteReaderChunk), into: &scratch)
            if got == 0 { break }
            remaining -= got
        }
        return count - remaining
    }

    /// True when no byte is left (consumes one byte if there is one).
    func atEnd() throws -> Bool {
        var probe: [UInt8] = []
        return try read(upTo: 1, into: &probe) == 0
    }
}

/// Reads from an in-memory buffer.
final class MemoryByteReader: ByteReader {
    private let bytes: [UInt8]
    private var position = 0

    init(_ bytes: [UInt8]) { self.bytes = bytes }

    func read(upTo count: Int, into buffer: inout [UInt8]) throws -> Int {
        let n = min(count, bytes.count - position)
        buffer.append(contentsOf: bytes[position..<position + n])
        position += n
        return n
    }
}

/// Reads a file through a FileHandle, so large archives never sit in memory whole.
final class FileByteReader: ByteReader {
    private let handle: FileHandle
    private let path: String

    init(_ url: URL) throws {
        path = url.path
        do {
            handle = try FileHandle(forReadingFrom: url)
        } catch {
            throw DatasetError(.unreadable, file: url.path, "cannot open: \(error.localizedDescription)")
        }
    }

    deinit { try? handle.close() }

    func read(upTo count: Int, into buffer: inout [UInt8]) throws -> Int {
        let data: Data?
        do {
            data = try handle.read(upToCount: count)
        } catch {
            throw DatasetError(.unreadable, file: path, "read failed: \(error.localizedDescription)")
        }
        guard let data, !data.isEmpty else { return 0 }
        buffer.append(contentsOf: data)
        return data.count
    }
}

/// Throws `missingFile` unless `url` names an existing regular file.
func requireFile(_ url: URL, hint: String? = nil) throws {
    var isDirectory: ObjCBool = false
    guard FileManager.default.fileExists(atPath: url.path, isDirectory: &isDirectory) else {
        throw DatasetError(.missingFile, file: url.path, "no such file", hint: hint)
    }
    if isDirectory.boolValue {
        throw DatasetError(.badStructure, file: url.path, "is a directory, expected a file", hint: hint)
    }
}

/// Size in bytes of an existing file.
func fileSize(_ url: URL) throws -> Int {
    do {
        let attributes = try FileManager.default.attributesOfItem(atPath: url.path)
        return (attributes[.size] as? NSNumber)?.intValue ?? 0
    } catch {
        throw DatasetError(.unreadable, file: url.path, "cannot stat: \(error.localizedDescription)")
    }
}

/// True when the first two bytes are the gzip signature 1f 8b.
func hasGzipMagic(_ url: URL) throws -> Bool {
    let reader = try FileByteReader(url)
    var head: [UInt8] = []
    _ = try reader.readExactly(2, into: &head)
    return head == [0x1f, 0x8b]
}

/// Opens `url` for sequential reading, gunzipping when it starts with the gzip signature (whatever its name).
/// `outputLimit` caps the inflated size. Returns the reader and the size bound of what it can yield.
func openByteReader(_ url: URL, outputLimit: Int) throws -> (reader: ByteReader, maxBytes: Int) {
    try requireFile(url)
    let size = try fileSize(url)
    if try hasGzipMagic(url) {
        // Deflate cannot expand more than ~1032:1, so this bounds any honest gzip of this size.
        let (bound, overflow) = size.multipliedReportingOverflow(by: 1032)
        let maxBytes = min(overflow ? Int.max : bound, outputLimit)
        return (GzipReader(source: try FileByteReader(url), file: url.path, limit: maxBytes), maxBytes)
    }
    return (try FileByteReader(url), size)
}
