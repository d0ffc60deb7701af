// GzipWriter.swift: builds gzip files for the fuzz seeds, since the Datasets target only reads gzip.
//
// RFC 1951/1952, two block kinds: stored blocks, and fixed-Huffman blocks holding literals plus runs of
// 258 copies at distance 1 (symbol 285, distance code 0, no extra bits). That is enough to make real
// compressed streams, and long zero runs inflate about 1000:1, which exercises the readers' output caps.
//
//   let gz = GzipWriter.compress(idxBytes, header: GzipWriter.Header(name: "t10k-labels-idx1-ubyte"))

enum GzipWriter {
    /// Optional gzip header fields (FLG bits FEXTRA, FNAME, FCOMMENT, FHCRC).
    struct Header {
        var extra: [UInt8]?
        var name: String?
        var comment: String?
        var headerCRC = false
    }

    /// A one-member gzip file of `data`.
    static func compress(_ data: [UInt8], stored: Bool = false, header: Header = Header()) -> [UInt8] {
        var out = headerBytes(header)
        out += stored ? storedBlocks(data) : fixedHuffman(data)
        out += littleEndian32(crc32(data))
        out += littleEndian32(UInt32(truncatingIfNeeded: data.count))
        return out
    }

    private static func headerBytes(_ header: Header) -> [UInt8] {
        var flags: UInt8 = 0
        if header.headerCRC { flags |= 0x02 }
        if header.extra != nil { flags |= 0x04 }
        if header.name != nil { flags |= 0x08 }
        if header.comment != nil { flags |= 0x10 }
        var out: [UInt8] = [0x1F, 0x8B, 0x08, flags, 0, 0, 0, 0, 0x00, 0xFF]
        if let extra = header.extra {
            out += [UInt8(extra.count & 0xFF), UInt8(extra.count >> 8 & 0xFF)] + extra
        }
        if let name = header.name { out += Array(name.utf8) + [0] }
        if let comment = header.comment { out += Array(comment.utf8) + [0] }
        if header.headerCRC {
            let crc = crc32(out)
            out += [UInt8(crc & 0xFF), UInt8(crc >> 8 & 0xFF)]
        }
        return out
    }

    /// Stored (uncompressed) blocks of at most 65535 bytes; an empty input is one empty final block.
    private static func storedBlocks(_ data: [UInt8]) -> [UInt8] {
        var out: [UInt8] = []
        var start = 0
        repeat {
            let end = min(data.count, start + 0xFFFF)
            let length = end - start
            out.append(end == data.count ? 1 : 0)  // BFINAL, BTYPE 00, then padding to the byte boundary
            out += [UInt8(length & 0xFF), UInt8(length >> 8), UInt8(~length & 0xFF), UInt8((~length >> 8) & 0xFF)]
            out += data[start..<end]
            start = end
        } while start < data.count
        return out
    }

    /// One fixed-Huffman block: every byte a literal, except that runs of one byte value continue as
    /// 258-byte copies of the previous byte.
    private static func fixedHuffman(_ data: [UInt8]) -> [UInt8] {
        var bits = BitWriter()
        bits.write(1, count: 1)  // BFINAL
        bits.write(1, count: 2)  // BTYPE 01: fixed Huffman
        var i = 0
        while i < data.count {
            bits.literal(data[i])
            var run = 0
            while i + 1 + run < data.count, data[i + 1 + run] == data[i] { run += 1 }
            i += 1
            while run >= 258 {
                bits.writeCode(0xC5, length: 8)  // length symbol 285: 258 bytes
                bits.writeCode(0, length: 5)  // distance code 0: distance 1
                run -= 258
                i += 258
            }
        }
        bits.writeCode(0, length: 7)  // end of block, symbol 256
        return bits.finish()
    }

    private static func littleEndian32(_ value: UInt32) -> [UInt8] {
        (0..<4).map { UInt8(truncatingIfNeeded: value >> (8 * $0)) }
    }

    /// CRC-32 (IEEE, reflected), as the gzip trailer and FHCRC use it.
    static func crc32(_ bytes: [UInt8]) -> UInt32 {
        var crc: UInt32 = 0xFFFF_FFFF
        for byte in bytes { crc = crcTable[Int((crc ^ UInt32(byte)) & 0xFF)] ^ (crc >> 8) }
        return ~crc
    }

    private static let crcTable: [UInt32] = (0..<256).map { n in
        (0..<8).reduce(UInt32(n)) { c, _ in c & 1 == 1 ? 0xEDB8_8320 ^ (c >> 1) : c >> 1 }
    }
}

/// Deflate's bit order: values least-significant bit first, Huffman codes most-significant bit first.
private struct BitWriter {
    private var bytes: [UInt8] = []
    private var buffer: UInt32 = 0
    private var filled = 0

    mutating func write(_ value: UInt32, count: Int) {
        for i in 0..<count {
            buffer |= ((value >> UInt32(i)) & 1) << UInt32(filled)
            filled += 1
            if filled == 8 {
                bytes.append(UInt8(buffer))
                buffer = 0
                filled = 0
            }
        }
    }

    mutating func writeCode(_ code: UInt32, length: Int) {
        for i in stride(from: length - 1, through: 0, by: -1) { write((code >> UInt32(i)) & 1, count: 1) }
    }

    /// A literal byte in the fixed code: 0-143 are 8 bits from 0x30, 144-255 are 9 bits from 0x190.
    mutating func literal(_ byte: UInt8) {
        if byte < 144 {
            writeCode(0x30 + UInt32(byte), length: 8)
        } else {
            writeCode(0x190 + UInt32(byte) - 144, length: 9)
        }
    }

    mutating func finish() -> [UInt8] {
        if filled > 0 { bytes.append(UInt8(buffer)) }
        return bytes
    }
}
