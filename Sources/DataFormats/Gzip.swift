// Gzip: bounded gzip inflation over the system zlib (CZlib), for .gz IDX files and .tar.gz archives.
//
// The ISIZE trailer is never trusted for allocation: output grows only as zlib produces it, in chunks,
// and stops with `tooLarge` past a caller-given limit (a gzip bomb costs time up to the limit, not memory
// beyond it). zlib itself checks the CRC-32 and length trailer when the stream ends; a stream that stops
// before its trailer is reported as truncated. Concatenated gzip members are read as one stream (RFC 1952).
//
//   let plain = try Gzip.decompress(bytes, limit: 64 << 20)

import CZlib

/// Whole-buffer gzip inflation with an output cap.
public enum Gzip {
    /// True when `bytes` starts with the gzip signature 1f 8b.
    public static func isGzip<C: Collection>(_ bytes: C) -> Bool where C.Element == UInt8 {
        bytes.starts(with: [0x1f, 0x8b])
    }

    /// Inflates a complete gzip file held in memory.
    /// - Parameters:
    ///   - bytes: the .gz file contents.
    ///   - limit: the largest acceptable inflated size; more throws `DatasetError.Kind.tooLarge`.
    ///   - file: the name to put in errors.
    public static func decompress(_ bytes: [UInt8], limit: Int, file: String = "<memory>") throws -> [UInt8] {
        guard isGzip(bytes) else {
            throw DatasetError(.badMagic, file: file, "not a gzip file (does not start with 1f 8b)")
        }
        let reader = GzipReader(source: MemoryByteReader(bytes), file: file, limit: limit)
        var output: [UInt8] = []
        while try reader.read(upTo: byteReaderChunk, into: &output) > 0 {}
        return output
    }
}

/// Streams the inflated bytes of a gzip source; see the file header for the guarantees.
final class GzipReader: ByteReader {
    private let source: ByteReader
    private let file: String
    private let limit: Int
    private let stream = UnsafeMutablePointer<z_stream>.allocate(capacity: 1)  // zlib keeps a back-pointer: needs a stable address
    private var initialized = false
    private var input: [UInt8] = []
    /// Output lands here first: appending a filled slice is a memcpy, growing `buffer` blindly is not.
    private var scratch = [UInt8](repeating: 0, count: 1 << 18)
    private var inputOffset = 0
    private var memberEnded = false
    private var finished = false
    private var produced = 0

    /// `limit`: maximum total output; `file`: the name used in errors.
    init(source: ByteReader, file: String, limit: Int) {
        self.source = source
        self.file = file
        self.limit = limit
        stream.initialize(to: z_stream())
    }

    deinit {
        if initialized { inflateEnd(stream) }
        stream.deinitialize(count: 1)
        stream.deallocate()
    }

    func read(upTo count: Int, into buffer: inout [UInt8]) throws -> Int {
        if finished || count <= 0 { return 0 }
        if !initialized {
            // 16 + MAX_WBITS: expect a gzip wrapper (not raw deflate or zlib); inflateInit2 is a macro.
            let status = inflateInit2_(stream, 16 + MAX_WBITS, zlibVersion(), Int32(MemoryLayout<z_stream>.size))
            guard status == Z_OK else { throw DatasetError(.corrupt, file: file, "zlib init failed (\(status))") }
            initialized = true
        }
        let wanted = min(count, scratch.count)
        var written = 0
        while written < wanted {
            if inputOffset == input.count {
                input.removeAll(keepingCapacity: true)
                inputOffset = 0
                if try source.read(upTo: 1 << 16, into: &input) == 0 {
                    if memberEnded { finished = true; break }
                    throw DatasetError(.truncated, file: file,
                                       "truncated gzip data: the stream ends before its end marker and CRC")
                }
            }
            if memberEnded {
                // More bytes after a complete member: they must form another gzip member.
                inflateReset(stream)
                memberEnded = false
            }
            let (status, consumed, made) = inflateStep(at: written, capacity: wanted - written)
            inputOffset += consumed
            written += made
            switch status {
            case Z_OK, Z_BUF_ERROR:
                continue
            case Z_STREAM_END:
                memberEnded = true
            default:
                let message = stream.pointee.msg.map { String(cString: $0) } ?? "zlib error \(status)"
                throw DatasetError(.corrupt, file: file, "corrupt gzip data: \(message)")
            }
        }
        produced += written
        if produced > limit {
            throw DatasetError(.tooLarge, file: file,
                               "gzip data inflates to more than \(limit) bytes, more than this format can need")
        }
        buffer.append(contentsOf: scratch[0..<written])
        return written
    }

    /// One inflate call; pointers into the Swift arrays live only inside this call.
    private func inflateStep(at offset: Int, capacity: Int) -> (status: Int32, consumed: Int, produced: Int) {
        let available = input.count - inputOffset
        let inputStart = inputOffset
        return input.withUnsafeMutableBufferPointer { inBuffer in
            scratch.withUnsafeMutableBufferPointer { outBuffer in
                stream.pointee.next_in = inBuffer.baseAddress! + inputStart
                stream.pointee.avail_in = UInt32(available)
                stream.pointee.next_out = outBuffer.baseAddress! + offset
                stream.pointee.avail_out = UInt32(capacity)
                let status = inflate(stream, Z_NO_FLUSH)
                let consumed = available - Int(stream.pointee.avail_in)
                let made = capacity - Int(stream.pointee.avail_out)
                stream.pointee.next_in = nil
                stream.pointee.next_out = nil
                return (status, consumed, made)
            }
        }
    }
}
