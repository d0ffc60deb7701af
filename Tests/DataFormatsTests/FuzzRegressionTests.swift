// FuzzRegressionTests: every input that once crashed a dataset parser under scripts/fuzz.sh, replayed,
// plus handcrafted hostile inputs per parser. Each must be rejected with a one-line DatasetError; a
// crash kills the test process, which is exactly the failure these tests exist to catch.
//
// Fixtures/fuzz-regressions/<parser>/<hash>.bin are written by deat-fuzz (Sources/DeatFuzz); each is
// fed to the entry point its fuzz target uses (Sources/DeatFuzz/*Fuzz.swift).

import Foundation
import Testing
import DataFormats

/// One saved crashing input.
struct FuzzRegression: Sendable, CustomTestStringConvertible {
    let parser: String
    let url: URL
    var testDescription: String { "\(parser)/\(url.lastPathComponent)" }

    /// Every saved input, by parser folder; empty when the folders cannot be read, which
    /// `corpusIsPresent` turns into a failure (an empty argument list would run no test at all).
    static let all: [FuzzRegression] = {
        let root = fixture("fuzz-regressions")
        let parsers = (try? FileManager.default.contentsOfDirectory(atPath: root.path)) ?? []
        return parsers.sorted().flatMap { parser in
            let folder = root.appendingPathComponent(parser)
            let files = (try? FileManager.default.contentsOfDirectory(atPath: folder.path)) ?? []
            return files.sorted().map { FuzzRegression(parser: parser, url: folder.appendingPathComponent($0)) }
        }
    }()
}

/// The members the tar fuzz target extracts (TarFuzz.wanted).
private let tarMembers = ["cifar-10-batches-py/test_batch", "cifar-10-batches-py/batches.meta"]

/// Expects `body` to throw a DatasetError whose description is one line.
private func expectRejected(_ what: String, sourceLocation: SourceLocation = #_sourceLocation, _ body: () throws -> Void) {
    let error = #expect(throws: DatasetError.self, "\(what)", sourceLocation: sourceLocation) { try body() }
    if let error {
        let lineBreaks = "\(error)".filter(\.isNewline).count
        #expect(lineBreaks == 0, "one line: \(error)", sourceLocation: sourceLocation)
    }
}

/// `archive` with the size field of its first header replaced by `field` and the checksum recomputed.
private func withSizeField(_ field: [UInt8], _ archive: [UInt8]) -> [UInt8] {
    var bytes = archive
    bytes.replaceSubrange(124..<136, with: field)
    bytes.replaceSubrange(148..<156, with: [UInt8](repeating: 0x20, count: 8))
    let sum = bytes[0..<512].reduce(0) { $0 + Int($1) }
    bytes.replaceSubrange(148..<156, with: Array(String(format: "%06o", sum).utf8) + [0, 0x20])
    return bytes
}

@Suite("Fuzz regressions and hostile inputs")
struct FuzzRegressionTests {
    @Test("the saved crashing inputs are found: every parser folder holds some, and each is replayed")
    func corpusIsPresent() throws {
        let root = fixture("fuzz-regressions")
        let parsers = try FileManager.default.contentsOfDirectory(atPath: root.path)
        try #require(!parsers.isEmpty, "no parser folders in \(root.path)")
        var count = 0
        for parser in parsers {
            let files = try FileManager.default.contentsOfDirectory(atPath: root.appendingPathComponent(parser).path)
            #expect(!files.isEmpty, "\(parser) holds no saved inputs")
            count += files.count
        }
        try #require(!FuzzRegression.all.isEmpty)
        #expect(FuzzRegression.all.count == count)
    }

    @Test("every input that once crashed a dataset parser is now rejected with a one-line error", arguments: FuzzRegression.all)
    func replay(_ regression: FuzzRegression) throws {
        let bytes = try [UInt8](Data(contentsOf: regression.url))
        switch regression.parser {
        case "idx", "idx-gzip":
            expectRejected(regression.testDescription) { _ = try IDX.parse(bytes) }
        case "cifar-binary":
            for variant in CIFARVariant.allCases {
                expectRejected("\(regression.testDescription) as \(variant)") { _ = try CIFARBinary.parse(bytes, variant: variant) }
            }
        case "cifar-pickle":
            for variant in CIFARVariant.allCases {
                expectRejected("\(regression.testDescription) as \(variant)") { _ = try CIFARPickle.parse(bytes, variant: variant) }
            }
        case "tar":
            expectRejected(regression.testDescription) {
                let members = try Tar.extract(tarMembers, fromArchive: bytes, memberLimit: 1 << 20)
                _ = try CIFARPickle.parse(members[tarMembers[0]] ?? [], variant: .cifar10)
            }
        case "jpeg", "png":
            expectRejected(regression.testDescription) { _ = try ImageDecoder.decode(bytes, file: "fuzz.img", maxPixels: 1 << 22) }
        default:
            Issue.record("no parser for the regression folder \(regression.parser)")
        }
    }

    @Test("A tar size field of 2^63 - 257, the largest base-256 size that decodes, is rejected instead of overflowing")
    func tarHugeSize() {
        let archive = tarArchive([("a", [1, 2, 3])])
        let largest: [UInt8] = [0x80, 0, 0, 0, 0x7F, 0xFF, 0xFF, 0xFF, 0xFF, 0xFF, 0xFE, 0xFF]
        expectDatasetError(.corrupt, mentioning: "bad size field") {
            _ = try Tar.extract(["a"], fromArchive: withSizeField(largest, archive), memberLimit: 1 << 20)
        }
        // 2^40 decodes, and is read only as far as the archive goes, not allocated.
        let terabyte: [UInt8] = [0x80, 0, 0, 0, 0, 0, 0x01, 0, 0, 0, 0, 0]
        expectDatasetError(.truncated, mentioning: "cut short") {
            _ = try Tar.extract(["a"], fromArchive: withSizeField(terabyte, archive), memberLimit: .max)
        }
    }

    @Test("Pickle lengths of 2^32 - 1 and frames of 2^64 - 1 are rejected before anything is allocated")
    func pickleHugeLengths() {
        let binbytes: [UInt8] = [0x80, 0x03, 0x42, 0xFF, 0xFF, 0xFF, 0xFF, 1, 2, 3, 0x2E]
        expectDatasetError(.truncated, mentioning: "4294967295 bytes needed") { _ = try Pickle.parse(binbytes) }
        let binstring: [UInt8] = [0x80, 0x02, 0x54, 0xFF, 0xFF, 0xFF, 0x7F, 0x2E]
        expectDatasetError(.truncated, mentioning: "2147483647 bytes needed") { _ = try Pickle.parse(binstring) }
        let frame: [UInt8] = [0x80, 0x04, 0x95] + [UInt8](repeating: 0xFF, count: 8) + [0x4E, 0x2E]
        expectDatasetError(.truncated, mentioning: "frame") { _ = try Pickle.parse(frame) }
        let memo: [UInt8] = [0x80, 0x02, 0x6A, 0xFF, 0xFF, 0xFF, 0xFF, 0x2E]
        expectDatasetError(.badStructure, mentioning: "memo 4294967295") { _ = try Pickle.parse(memo) }
    }

    @Test("A pickled array claiming 65535 images over one image of data is rejected as truncated")
    func pickleRowsBeyondData() {
        let pickle = py2CIFARPickle(shape: [65535, 3072], raw: [UInt8](repeating: 1, count: 3072), labels: [1])
        expectDatasetError(.truncated, mentioning: "201323520") { _ = try CIFARPickle.parse(pickle, variant: .cifar10) }
    }

    @Test("Gzip whose ISIZE trailer claims 4 GiB, or whose FEXTRA field runs past the end, is rejected")
    func gzipLyingFields() throws {
        var gz = try fixtureBytes("mnist/t10k-labels-idx1-ubyte.gz")
        gz.replaceSubrange((gz.count - 4)..., with: [0xFF, 0xFF, 0xFF, 0xFF])
        expectDatasetError(.corrupt, mentioning: "corrupt gzip") { _ = try IDX.parse(gz) }
        let extra: [UInt8] = [0x1F, 0x8B, 0x08, 0x04, 0, 0, 0, 0, 0, 0xFF, 0xFF, 0xFF, 1, 2, 3]
        expectDatasetError(.truncated, mentioning: "truncated gzip") { _ = try IDX.parse(extra) }
    }

    @Test("Names taken from the file keep messages on one line: pickle globals, dtypes, tar members")
    func namesStayOnOneLine() {
        func short(_ text: String) -> [UInt8] { [0x8C, UInt8(text.utf8.count)] + Array(text.utf8) }
        let global: [UInt8] = [0x80, 0x04] + short("os\n") + short("sys\u{2028}tem\u{85}") + [0x93, 0x2E]
        expectDatasetError(.unsupported, mentioning: #""os\u{a}.sys\u{2028}tem\u{85}""#) { _ = try Pickle.parse(global) }
        let dtype = py2CIFARPickle(shape: [1, 3072], raw: [UInt8](repeating: 0, count: 3072), labels: [1], dtype: "u1\r\nx")
        expectDatasetError(.badStructure, mentioning: #""u1\u{d}\u{a}x""#) { _ = try CIFARPickle.parse(dtype, variant: .cifar10) }
        let archive = tarArchive([("line\none", [1])])
        expectDatasetError(.memberMissing, mentioning: #""line\u{a}one""#) { _ = try Tar.extract(["x"], fromArchive: archive, memberLimit: 10) }
    }
}
