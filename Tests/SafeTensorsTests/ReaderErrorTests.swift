// ReaderErrorTests.swift: every validation rule of the reader, one malformed file each. Each case
// asserts the exact problem and that the one-line description names the file and the tensor key.

import Foundation
import Testing
import SafeTensors

/// One malformed file and what the reader must say about it.
struct BadFile: Sendable, CustomTestStringConvertible {
    let label: String
    let bytes: Data
    let problem: SafeTensorsError.Problem
    /// Text the description must contain (the quoted tensor key where there is one).
    let mentions: [String]
    var testDescription: String { label }

    init(_ label: String, header: String, buffer: Int = 0, _ problem: SafeTensorsError.Problem, mentions: [String]) {
        self.label = label
        self.bytes = fileBytes(header: header, buffer: [UInt8](repeating: 0, count: buffer))
        self.problem = problem
        self.mentions = mentions
    }

    init(_ label: String, bytes: Data, _ problem: SafeTensorsError.Problem, mentions: [String]) {
        self.label = label
        self.bytes = bytes
        self.problem = problem
        self.mentions = mentions
    }
}

private let w = #""w""#  // how descriptions quote the tensor key w
private func one(_ body: String) -> String { "{\"w\":{" + body + "}}" }

let badFiles: [BadFile] = [
    // File layout.
    BadFile("shorter than the length field", bytes: Data([1, 2, 3]), .fileTooShort(byteCount: 3), mentions: ["3 bytes"]),
    BadFile("header length over 100 MB", bytes: fileBytes(claimedLength: 100_000_001, rest: Array("{}".utf8)),
            .headerTooLarge(length: 100_000_001), mentions: ["100000001"]),
    BadFile("header length 2^64-1", bytes: fileBytes(claimedLength: .max, rest: []),
            .headerTooLarge(length: .max), mentions: ["18446744073709551615"]),
    BadFile("header length past end of file", bytes: fileBytes(claimedLength: 100, rest: Array("{}".utf8)),
            .headerExceedsFile(length: 100, available: 2), mentions: ["100", "truncated"]),
    BadFile("header not UTF-8", bytes: fileBytes(headerBytes: Array(#"{"w"#.utf8) + [0xFF] + Array(#"":1}"#.utf8)),
            .headerNotUTF8(byteOffset: 3), mentions: ["UTF-8"]),
    BadFile("overlong UTF-8 encoding", bytes: fileBytes(headerBytes: [0x7B, 0xC0, 0xAF, 0x7D]),
            .headerNotUTF8(byteOffset: 1), mentions: ["UTF-8"]),
    BadFile("empty header", header: "", .headerNotObject, mentions: ["'{'"]),
    BadFile("leading whitespace", header: " {}", .headerNotObject, mentions: ["'{'"]),
    BadFile("top level is an array", header: "[]", .headerNotObject, mentions: ["'{'"]),
    BadFile("JSON cut short", header: #"{"w":"#, .malformedJSON(byteOffset: 5, reason: "unexpected end of input"),
            mentions: ["byte 5"]),
    BadFile("trailing comma", header: #"{"a":{},}"#, .malformedJSON(byteOffset: 8, reason: "expected a string key"),
            mentions: ["byte 8"]),
    BadFile("data after the object", header: "{} x", .malformedJSON(byteOffset: 3, reason: "unexpected data after the top-level value"),
            mentions: ["after the top-level"]),
    BadFile("unescaped control character", header: "{\"a\tb\":{}}", .malformedJSON(byteOffset: 3, reason: "control character in a string must be escaped"),
            mentions: ["control character"]),
    BadFile("lone surrogate escape", header: #"{"\ud800":{}}"#, .malformedJSON(byteOffset: 8, reason: "lone high surrogate"),
            mentions: ["surrogate"]),
    BadFile("leading zero", header: one(#""dtype":"U8","shape":[01],"data_offsets":[0,1]"#), buffer: 1,
            .malformedJSON(byteOffset: 29, reason: "leading zeros are not allowed"), mentions: ["leading zeros"]),
    BadFile("nesting 1000 deep", header: "{\"w\":" + String(repeating: "[", count: 1000) + String(repeating: "]", count: 1000) + "}",
            .malformedJSON(byteOffset: 37, reason: "nesting deeper than 32 levels"), mentions: ["nesting"]),
    // Metadata.
    BadFile("metadata value not a string", header: #"{"__metadata__":{"epoch":15}}"#, .invalidMetadata(key: "epoch"),
            mentions: [#""epoch""#]),
    BadFile("metadata not an object", header: #"{"__metadata__":["pt"]}"#, .invalidMetadata(key: nil), mentions: ["__metadata__"]),
    BadFile("metadata key twice", header: #"{"__metadata__":{"k":"a","k":"b"}}"#,
            .duplicateField(tensor: "__metadata__", field: "k"), mentions: [#""__metadata__""#, #""k""#]),
    BadFile("metadata twice", header: #"{"__metadata__":{},"__metadata__":{}}"#, .duplicateTensor("__metadata__"),
            mentions: [#""__metadata__""#]),
    // Entry structure.
    BadFile("tensor key twice", header: "{" + tensorJSON("w", "U8", [1], 0, 1) + "," + tensorJSON("w", "U8", [1], 0, 1) + "}",
            buffer: 1, .duplicateTensor("w"), mentions: [w, "more than once"]),
    BadFile("entry not an object", header: #"{"w":[1]}"#, .tensorNotObject(tensor: "w"), mentions: [w]),
    BadFile("dtype missing", header: one(#""shape":[],"data_offsets":[0,0]"#), .missingField(tensor: "w", field: "dtype"),
            mentions: [w, #""dtype""#]),
    BadFile("shape missing", header: one(#""dtype":"U8","data_offsets":[0,0]"#), .missingField(tensor: "w", field: "shape"),
            mentions: [w, #""shape""#]),
    BadFile("data_offsets missing", header: one(#""dtype":"U8","shape":[]"#), .missingField(tensor: "w", field: "data_offsets"),
            mentions: [w, #""data_offsets""#]),
    BadFile("extra field", header: one(#""dtype":"U8","shape":[],"data_offsets":[0,1],"stride":[1]"#), buffer: 1,
            .unexpectedField(tensor: "w", field: "stride"), mentions: [w, #""stride""#]),
    BadFile("field twice", header: one(#""dtype":"U8","dtype":"U8","shape":[],"data_offsets":[0,1]"#), buffer: 1,
            .duplicateField(tensor: "w", field: "dtype"), mentions: [w, #""dtype""#]),
    BadFile("dtype not a string", header: one(#""dtype":4,"shape":[],"data_offsets":[0,4]"#), buffer: 4,
            .wrongFieldType(tensor: "w", field: "dtype", expected: "a string such as \"F32\""), mentions: [w, #""dtype""#]),
    BadFile("shape not an array", header: one(#""dtype":"U8","shape":"2","data_offsets":[0,2]"#), buffer: 2,
            .wrongFieldType(tensor: "w", field: "shape", expected: "an array of integers"), mentions: [w, #""shape""#]),
    BadFile("fractional dimension", header: one(#""dtype":"U8","shape":[1.5],"data_offsets":[0,2]"#), buffer: 2,
            .wrongFieldType(tensor: "w", field: "shape", expected: "an array of integers"), mentions: [w]),
    BadFile("exponent dimension", header: one(#""dtype":"U8","shape":[1e0],"data_offsets":[0,1]"#), buffer: 1,
            .wrongFieldType(tensor: "w", field: "shape", expected: "an array of integers"), mentions: [w]),
    BadFile("one offset", header: one(#""dtype":"U8","shape":[],"data_offsets":[1]"#), buffer: 1,
            .wrongFieldType(tensor: "w", field: "data_offsets", expected: "an array of two integers [begin, end]"), mentions: [w]),
    BadFile("offset as string", header: one(#""dtype":"U8","shape":[],"data_offsets":[0,"1"]"#), buffer: 1,
            .wrongFieldType(tensor: "w", field: "data_offsets", expected: "an array of two integers [begin, end]"), mentions: [w]),
    BadFile("offset beyond 64 bits", header: one(#""dtype":"U8","shape":[],"data_offsets":[0,99999999999999999999]"#), buffer: 1,
            .wrongFieldType(tensor: "w", field: "data_offsets", expected: "an array of two integers [begin, end]"), mentions: [w]),
    // Entry values.
    BadFile("FP8 dtype", header: one(#""dtype":"F8_E4M3","shape":[1],"data_offsets":[0,1]"#), buffer: 1,
            .unknownDType(tensor: "w", dtype: "F8_E4M3"), mentions: [w, "F8_E4M3", "supported"]),
    BadFile("lower-case dtype", header: one(#""dtype":"f32","shape":[1],"data_offsets":[0,4]"#), buffer: 4,
            .unknownDType(tensor: "w", dtype: "f32"), mentions: [w]),
    BadFile("negative dimension", header: one(#""dtype":"F32","shape":[-1,4],"data_offsets":[0,16]"#), buffer: 16,
            .negativeDimension(tensor: "w", shape: [-1, 4]), mentions: [w, "[-1, 4]"]),
    BadFile("element count overflows", header: one(#""dtype":"F32","shape":[4294967296,4294967296],"data_offsets":[0,4]"#), buffer: 4,
            .shapeOverflow(tensor: "w", shape: [4_294_967_296, 4_294_967_296], dtype: .f32), mentions: [w, "64 bits"]),
    BadFile("byte count overflows", header: one(#""dtype":"F64","shape":[2305843009213693952],"data_offsets":[0,8]"#), buffer: 8,
            .shapeOverflow(tensor: "w", shape: [2_305_843_009_213_693_952], dtype: .f64), mentions: [w]),
    BadFile("begin after end", header: one(#""dtype":"U8","shape":[0],"data_offsets":[4,0]"#), buffer: 4,
            .offsetsReversed(tensor: "w", begin: 4, end: 0), mentions: [w, "[4, 0]"]),
    BadFile("negative begin", header: one(#""dtype":"U8","shape":[4],"data_offsets":[-4,0]"#), buffer: 4,
            .offsetsReversed(tensor: "w", begin: -4, end: 0), mentions: [w]),
    BadFile("end past the buffer", header: one(#""dtype":"U8","shape":[16],"data_offsets":[0,16]"#), buffer: 8,
            .offsetsBeyondBuffer(tensor: "w", begin: 0, end: 16, bufferSize: 8), mentions: [w, "8-byte"]),
    BadFile("size does not match shape", header: "{" + tensorJSON("conv1.weight", "F32", [4, 3, 3, 3], 0, 100) + "}", buffer: 100,
            .sizeMismatch(tensor: "conv1.weight", begin: 0, end: 100, dtype: .f32, shape: [4, 3, 3, 3], expectedBytes: 432),
            mentions: [#"model.safetensors: tensor "conv1.weight": data_offsets [0, 100] hold 100 bytes but F32 [4, 3, 3, 3] needs 432"#]),
    // Across tensors.
    BadFile("overlapping ranges", header: "{" + tensorJSON("a", "U8", [8], 0, 8) + "," + tensorJSON("b", "U8", [8], 4, 12) + "}",
            buffer: 12, .overlappingTensors(tensor: "b", other: "a"), mentions: [#""a""#, #""b""#]),
    BadFile("identical ranges", header: "{" + tensorJSON("a", "U8", [4], 0, 4) + "," + tensorJSON("b", "U8", [4], 0, 4) + "}",
            buffer: 4, .overlappingTensors(tensor: "b", other: "a"), mentions: [#""a""#, #""b""#]),
    BadFile("empty tensor inside another", header: "{" + tensorJSON("a", "U8", [4], 0, 4) + "," + tensorJSON("e", "U8", [0], 2, 2) + "}",
            buffer: 4, .overlappingTensors(tensor: "e", other: "a"), mentions: [#""e""#]),
    BadFile("hole between tensors", header: "{" + tensorJSON("a", "U8", [4], 0, 4) + "," + tensorJSON("b", "U8", [4], 8, 12) + "}",
            buffer: 12, .bufferHole(after: "a", before: "b", begin: 4, end: 8), mentions: [#"after tensor "a""#, #"before tensor "b""#]),
    BadFile("hole at the start", header: "{" + tensorJSON("b", "U8", [4], 4, 8) + "}",
            buffer: 8, .bufferHole(after: nil, before: "b", begin: 0, end: 4), mentions: [#"before tensor "b""#]),
    BadFile("trailing bytes", header: "{" + tensorJSON("a", "U8", [4], 0, 4) + "}",
            buffer: 6, .bufferHole(after: "a", before: nil, begin: 4, end: 6), mentions: [#"after tensor "a""#, "[4, 6)"]),
    BadFile("bytes but no tensors", header: "{}", buffer: 3, .bufferHole(after: nil, before: nil, begin: 0, end: 3),
            mentions: ["fully covered"]),
]

@Suite("SafeTensors reader rejects malformed files")
struct ReaderErrorTests {
    @Test("each malformed file fails with its own problem, described in one line naming file and key", arguments: badFiles)
    func rejects(_ bad: BadFile) throws {
        let error = try #require(parseError(bad.bytes, source: "model.safetensors"))
        #expect(error.problem == bad.problem)
        #expect(error.source == "model.safetensors")
        let text = error.description
        #expect(text.hasPrefix("model.safetensors: "))
        #expect(!text.contains("\n"))
        for m in bad.mentions { #expect(text.contains(m), "\(text) should mention \(m)") }
    }

    @Test("tensor keys with quotes or newlines stay on one line in the description")
    func oddKeysStayOnOneLine() throws {
        let header = "{\"bad\\n\\\"key\":{\"dtype\":\"X\",\"shape\":[],\"data_offsets\":[0,0]}}"
        let error = try #require(parseError(fileBytes(header: header)))
        #expect(error.problem == .unknownDType(tensor: "bad\n\"key", dtype: "X"))
        #expect(!error.description.contains("\n"))
        #expect(error.description.contains(#""bad\n\"key""#))
    }

    @Test("a header claiming a [1000000, 1000000] F32 tensor is rejected at once, without allocating its 4 TB")
    func hugeShapeRejectedQuickly() throws {
        let clock = ContinuousClock()
        let start = clock.now
        let claimsAll = fileBytes(header: one(#""dtype":"F32","shape":[1000000,1000000],"data_offsets":[0,4000000000000]"#), buffer: [0, 0, 0, 0])
        let e1 = try #require(parseError(claimsAll))
        #expect(e1.problem == .offsetsBeyondBuffer(tensor: "w", begin: 0, end: 4_000_000_000_000, bufferSize: 4))
        let claimsFour = fileBytes(header: one(#""dtype":"F32","shape":[1000000,1000000],"data_offsets":[0,4]"#), buffer: [0, 0, 0, 0])
        let e2 = try #require(parseError(claimsFour))
        #expect(e2.problem == .sizeMismatch(tensor: "w", begin: 0, end: 4, dtype: .f32, shape: [1_000_000, 1_000_000],
                                            expectedBytes: 4_000_000_000_000))
        #expect(clock.now - start < .seconds(1))
    }

    @Test("read(contentsOf:) of a missing file is an io error naming the file")
    func missingFile() throws {
        let url = URL(fileURLWithPath: "/nonexistent-deat-dir/missing.safetensors")
        do {
            _ = try SafeTensorsFile.read(contentsOf: url)
            Issue.record("reading a missing file succeeded")
        } catch {
            guard case .io = error.problem else { Issue.record("expected .io, got \(error.problem)"); return }
            #expect(error.source == "missing.safetensors")
        }
    }

    @Test("random byte flips and truncations of a valid file never trap and never yield more data than the file holds")
    func mutationsNeverTrap() throws {
        let image = try SafeTensorsFile.serialize(sampleEntries(), metadata: ["deat.method": "trades"])
        var rng = SplitMix64(state: 0xDEA7)
        var accepted = 0, rejected = 0
        for _ in 0..<3000 {
            var bytes = image
            switch rng.next() % 3 {
            case 0:  // flip 1-4 bytes anywhere, the length field included
                for _ in 0...(rng.next() % 4) { bytes[Int(rng.next() % UInt64(bytes.count))] ^= UInt8.random(in: 1...255, using: &rng) }
            case 1:  // truncate
                bytes = bytes.prefix(Int(rng.next() % UInt64(bytes.count)))
            default:  // overwrite a header byte with a JSON-significant character
                let chars = Array("{}[]\",:-0123456789e. ".utf8)
                let headerEnd = min(bytes.count, 8 + Int(bytes[0]) + Int(bytes[1]) << 8)
                bytes[8 + Int(rng.next() % UInt64(headerEnd - 8))] = chars[Int(rng.next() % UInt64(chars.count))]
            }
            do {
                let file = try SafeTensorsFile.parse(bytes)
                accepted += 1
                #expect(file.entries.reduce(0) { $0 + $1.data.count } <= bytes.count)
            } catch {
                rejected += 1
            }
        }
        // Most mutations must be caught; some (a flipped data byte) legitimately are not
        // (seed 0xDEA7: 2835 rejected, 165 accepted).
        #expect(rejected > 1000 && accepted > 100)
    }
}
