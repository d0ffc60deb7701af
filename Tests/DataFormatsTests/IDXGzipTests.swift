// IDX and Gzip readers: exact contents of the fixtures, and each malformed input rejected with the file named.

import Foundation
import Testing
import DataFormats

@Suite("IDX and gzip readers")
struct IDXGzipTests {
    @Test("IDX reads a gzip-compressed file with its dimensions and exact pixels")
    func gzipIDX() throws {
        let images = try IDX.read(fixture("mnist/t10k-images-idx3-ubyte.gz"))
        #expect(images.dimensions == [3, 28, 28])
        #expect(images.bytes == expectedPixels(seed: 32, count: 3, size: 784))
        let labels = try IDX.read(fixture("mnist/t10k-labels-idx1-ubyte.gz"))
        #expect(labels.dimensions == [3])
        #expect(labels.bytes == [2, 5, 8])
    }

    @Test("IDX reads an uncompressed file")
    func plainIDX() throws {
        let images = try IDX.read(fixture("mnist/train-images-idx3-ubyte"))
        #expect(images.dimensions == [4, 28, 28])
        #expect(images.bytes == expectedPixels(seed: 31, count: 4, size: 784))
    }

    @Test("IDX.parse reads bytes in memory, compressed or not, with the same result")
    func parseInMemory() throws {
        #expect(try IDX.parse([0, 0, 8, 1, 0, 0, 0, 3, 5, 6, 7]) == IDXArray(dimensions: [3], bytes: [5, 6, 7]))
        let gz = try fixtureBytes("mnist/t10k-images-idx3-ubyte.gz")
        #expect(try IDX.parse(gz) == IDX.read(fixture("mnist/t10k-images-idx3-ubyte.gz")))
    }

    @Test("IDX rejects a wrong magic number, naming the file")
    func wrongMagic() throws {
        try withTemporaryDirectory { dir in
            let url = try write([1, 2, 8, 1, 0, 0, 0, 1, 9], to: dir, "images-idx3-ubyte")
            expectDatasetError(.badMagic, mentioning: url.path) { _ = try IDX.read(url) }
        }
    }

    @Test("IDX rejects element types other than unsigned byte")
    func wrongType() {
        expectDatasetError(.unsupported, mentioning: "0x0d") { _ = try IDX.parse([0, 0, 0x0d, 1, 0, 0, 0, 0]) }
    }

    @Test("IDX rejects zero or too many dimensions")
    func badRank() {
        expectDatasetError(.badStructure, mentioning: "0 dimensions") { _ = try IDX.parse([0, 0, 8, 0]) }
        expectDatasetError(.badStructure, mentioning: "200 dimensions") { _ = try IDX.parse([0, 0, 8, 200]) }
    }

    @Test("IDX reports truncated data with the sizes involved")
    func truncated() throws {
        try withTemporaryDirectory { dir in
            let url = try write([0, 0, 8, 1, 0, 0, 0, 3, 5, 6], to: dir, "labels-idx1-ubyte")
            expectDatasetError(.truncated, mentioning: "\(url.path): truncated") { _ = try IDX.read(url) }
            let header = try write([0, 0, 8, 3, 0, 0], to: dir, "short-header")
            expectDatasetError(.truncated, mentioning: "short-header") { _ = try IDX.read(header) }
        }
    }

    @Test("IDX rejects bytes after the data its header describes")
    func trailing() {
        expectDatasetError(.trailingData, mentioning: "trailing") { _ = try IDX.parse([0, 0, 8, 1, 0, 0, 0, 1, 5, 6]) }
    }

    @Test("An IDX header claiming 10^12 elements is rejected before allocation, plain or gzip")
    func hugeClaim() throws {
        // [1_000_000, 1_000_000] dimensions over 16 data bytes.
        let plain: [UInt8] = [0, 0, 8, 2, 0, 0x0f, 0x42, 0x40, 0, 0x0f, 0x42, 0x40] + [UInt8](repeating: 0, count: 16)
        expectDatasetError(.truncated, mentioning: "1000000000000") { _ = try IDX.parse(plain) }
        let url = fixture("bad/idx-huge-claim.gz")
        expectDatasetError(.tooLarge, mentioning: url.path) { _ = try IDX.read(url) }
        // Overflowing products are caught too: 4 dims of 2^32-1.
        let overflow: [UInt8] = [0, 0, 8, 4] + [UInt8](repeating: 0xff, count: 16)
        expectDatasetError(.tooLarge, mentioning: "overflow") { _ = try IDX.parse(overflow) }
    }

    @Test("Gzip.decompress inflates exactly and stops at its output limit")
    func gzipLimit() throws {
        let bomb = try fixtureBytes("bad/zeros-10MB.gz")
        expectDatasetError(.tooLarge, mentioning: "bomb.gz") { _ = try Gzip.decompress(bomb, limit: 1 << 20, file: "bomb.gz") }
        let labels = try Gzip.decompress(fixtureBytes("mnist/t10k-labels-idx1-ubyte.gz"), limit: 100)
        #expect(labels == [0, 0, 8, 1, 0, 0, 0, 3, 2, 5, 8])
    }

    @Test("A gzip file cut short is reported as truncated, naming the file")
    func gzipTruncated() throws {
        let gz = try fixtureBytes("mnist/t10k-images-idx3-ubyte.gz")
        try withTemporaryDirectory { dir in
            let url = try write(Array(gz.prefix(gz.count / 2)), to: dir, "t10k-images-idx3-ubyte.gz")
            expectDatasetError(.truncated, mentioning: url.path) { _ = try IDX.read(url) }
            let noTrailer = try write(Array(gz.dropLast(4)), to: dir, "no-trailer.gz")
            expectDatasetError(.truncated, mentioning: "no-trailer.gz") { _ = try IDX.read(noTrailer) }
        }
        expectDatasetError(.truncated, mentioning: "x.gz") { _ = try Gzip.decompress(Array(gz.prefix(40)), limit: 1 << 20, file: "x.gz") }
    }

    @Test("A gzip file with a damaged CRC is reported as corrupt")
    func gzipCorrupt() throws {
        var gz = try fixtureBytes("mnist/t10k-images-idx3-ubyte.gz")
        gz[gz.count - 8] ^= 0xff  // first CRC-32 byte of the trailer
        expectDatasetError(.corrupt, mentioning: "corrupt gzip") { _ = try IDX.parse(gz, file: "crc.gz") }
        expectDatasetError(.badMagic, mentioning: "not a gzip") { _ = try Gzip.decompress([1, 2, 3], limit: 10) }
    }

    @Test("A missing file is reported as missing, naming it")
    func missing() {
        let url = URL(fileURLWithPath: "/nonexistent/deat/t10k-images-idx3-ubyte.gz")
        expectDatasetError(.missingFile, mentioning: url.path) { _ = try IDX.read(url) }
    }
}
