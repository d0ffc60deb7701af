// IDX: the MNIST / Fashion-MNIST file format (LeCun et al., http://yann.lecun.com/exdb/mnist/), plain or gzip.
//
// Layout: magic 00 00 <type> <ndims>, then ndims big-endian UInt32 sizes, then the elements row-major.
// Only type 0x08 (unsigned byte) is accepted: every dataset here stores pixels and labels that way.
// The dimension product is overflow-checked and compared with what the file can hold *before* any
// allocation; truncation and trailing bytes are both errors.
//
//   let images = try IDX.read(URL(fileURLWithPath: ".../t10k-images-idx3-ubyte.gz"))  // dims [10000, 28, 28]

import Foundation

/// The contents of one IDX file: its dimensions and its unsigned-byte elements, row-major.
public struct IDXArray: Sendable, Equatable {
    /// Sizes of each dimension, outermost first (e.g. `[10000, 28, 28]`).
    public let dimensions: [Int]
    /// The elements; `bytes.count` is the product of `dimensions`.
    public let bytes: [UInt8]

    /// Wraps already-checked contents (the product of `dimensions` must equal `bytes.count`).
    public init(dimensions: [Int], bytes: [UInt8]) {
        precondition(dimensions.reduce(1, *) == bytes.count, "IDXArray: dimensions do not match the byte count")
        self.dimensions = dimensions
        self.bytes = bytes
    }
}

/// Reader for IDX files (type 0x08 only).
public enum IDX {
    /// The element type code for unsigned bytes, the only one accepted.
    public static let unsignedByteType: UInt8 = 0x08
    /// More dimensions than this is certainly not a dataset file.
    public static let maxDimensions = 8

    /// Reads an IDX file, gunzipping it when it starts with the gzip signature.
    public static func read(_ url: URL) throws -> IDXArray {
        let (reader, maxBytes) = try openByteReader(url, outputLimit: Int.max)
        return try read(from: reader, file: url.path, available: maxBytes, exact: !(reader is GzipReader))
    }

    /// Parses IDX bytes held in memory (gzip-compressed or not).
    public static func parse(_ bytes: [UInt8], file: String = "<memory>") throws -> IDXArray {
        if Gzip.isGzip(bytes) {
            let (bound, overflow) = bytes.count.multipliedReportingOverflow(by: 1032)
            let limit = overflow ? Int.max : bound
            return try read(from: GzipReader(source: MemoryByteReader(bytes), file: file, limit: limit),
                            file: file, available: limit, exact: false)
        }
        return try read(from: MemoryByteReader(bytes), file: file, available: bytes.count, exact: true)
    }

    /// Streams one IDX array; `available` bounds how many bytes the source can yield (`exact`: it is the size).
    static func read(from reader: ByteReader, file: String, available: Int, exact: Bool) throws -> IDXArray {
        var header: [UInt8] = []
        guard try reader.readExactly(4, into: &header) else {
            throw DatasetError(.truncated, file: file, "truncated: \(header.count) bytes, shorter than the 4-byte IDX magic")
        }
        guard header[0] == 0, header[1] == 0 else {
            let hex = header.map { String(format: "%02x", $0) }.joined(separator: " ")
            throw DatasetError(.badMagic, file: file, "not an IDX file: magic \(hex), expected 00 00 08 <ndims>")
        }
        guard header[2] == unsignedByteType else {
            throw DatasetError(.unsupported, file: file,
                               String(format: "IDX element type 0x%02x is not supported (only 0x08, unsigned byte)", header[2]))
        }
        let rank = Int(header[3])
        guard (1...maxDimensions).contains(rank) else {
            throw DatasetError(.badStructure, file: file, "IDX header declares \(rank) dimensions, expected 1 to \(maxDimensions)")
        }
        var dimBytes: [UInt8] = []
        guard try reader.readExactly(4 * rank, into: &dimBytes) else {
            throw DatasetError(.truncated, file: file, "truncated inside the IDX header (\(rank) dimension sizes expected)")
        }
        var dimensions: [Int] = []
        var total = 1
        for d in 0..<rank {
            let size = dimBytes[4 * d..<4 * d + 4].reduce(0) { ($0 << 8) | Int($1) }
            dimensions.append(size)
            let (product, overflow) = total.multipliedReportingOverflow(by: size)
            guard !overflow else {
                throw DatasetError(.tooLarge, file: file, "IDX dimensions \(dimensions) overflow a byte count")
            }
            total = product
        }
        let headerSize = 4 + 4 * rank
        guard total <= available - headerSize else {
            if exact {
                throw DatasetError(.truncated, file: file, "truncated: IDX dimensions \(dimensions) need \(total) "
                                   + "data bytes, the file holds \(max(0, available - headerSize))")
            }
            throw DatasetError(.tooLarge, file: file,
                               "IDX dimensions \(dimensions) need \(total) data bytes, more than this gzip file can hold")
        }
        var data: [UInt8] = []
        data.reserveCapacity(exact ? total : min(total, byteReaderChunk))
        guard try reader.readExactly(total, into: &data) else {
            throw DatasetError(.truncated, file: file,
                               "truncated: IDX dimensions \(dimensions) need \(total) data bytes, the file holds \(data.count)")
        }
        guard try reader.atEnd() else {
            throw DatasetError(.trailingData, file: file,
                               "trailing data after the \(total) bytes that IDX dimensions \(dimensions) describe")
        }
        return IDXArray(dimensions: dimensions, bytes: data)
    }
}
