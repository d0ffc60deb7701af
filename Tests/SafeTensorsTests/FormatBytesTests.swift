// FormatBytesTests.swift: hand-built byte fixtures checked byte for byte, in both directions.
//
// The reader fixtures are the reference implementation's own test vectors
// (huggingface/safetensors safetensors/src/tensor.rs `test_serialization`, `test_empty`, and the
// `deserialize` doc example), so deat reads what the reference writes. The writer fixtures spell
// out the exact header text deat must produce: the reference layout plus `"format":"pt"` metadata.

import Foundation
import Testing
import SafeTensors

@Suite("SafeTensors byte layout")
struct FormatBytesTests {
    /// 0, 1, 2, 3, 4, 5 as little-endian F32.
    static let zeroToFive: [UInt8] = [0, 0, 0, 0, 0, 0, 128, 63, 0, 0, 0, 64, 0, 0, 64, 64, 0, 0, 128, 64, 0, 0, 160, 64]

    @Test("the writer emits the 8-byte LE length, the compact header with format pt, space padding to 8, then data")
    func writerBytes() throws {
        let e = SafeTensorsEntry(name: "attn.0", shape: [1, 2, 3], values: (0..<6).map(Float.init))
        let bytes = try SafeTensorsFile.serialize([e], metadata: [:])
        let header = #"{"__metadata__":{"format":"pt"},"attn.0":{"dtype":"F32","shape":[1,2,3],"data_offsets":[0,24]}}"#
        #expect(header.utf8.count == 95)
        let expected: [UInt8] = [96, 0, 0, 0, 0, 0, 0, 0] + Array(header.utf8) + [0x20] + Self.zeroToFive
        #expect(Array(bytes) == expected)
    }

    @Test("an empty file is the header {\"__metadata__\":{\"format\":\"pt\"}}, already a multiple of 8, with no padding")
    func writerEmpty() throws {
        let bytes = try SafeTensorsFile.serialize([], metadata: [:])
        let header = #"{"__metadata__":{"format":"pt"}}"#
        #expect(Array(bytes) == [32, 0, 0, 0, 0, 0, 0, 0] + Array(header.utf8))
    }

    @Test("metadata keys are sorted and escaped as serde_json does: quotes, backslashes, control characters; not / or non-ASCII")
    func writerMetadataEscaping() throws {
        let meta = ["z": "a/b", "deat.epsilon": "ε=8/255", "note": "say \"hi\"\n\\\t\u{01}"]
        let bytes = try SafeTensorsFile.serialize([], metadata: meta)
        let length = Int(bytes[0]) | Int(bytes[1]) << 8
        #expect(length % 8 == 0)
        let text = String(decoding: bytes[8..<(8 + length)], as: UTF8.self)
        let body = #"{"__metadata__":{"deat.epsilon":"ε=8/255","format":"pt","note":"say \"hi\"\n\\\t\u0001","z":"a/b"}}"#
        #expect(text.hasPrefix(body))
        #expect(text.dropFirst(body.count).allSatisfy { $0 == " " })
        #expect(try SafeTensorsFile.parse(bytes).metadata == meta.merging(["format": "pt"]) { a, _ in a })
    }

    @Test("every header length from 1 to 16 bytes past a multiple of 8 is padded to the next multiple with spaces")
    func paddingAllResidues() throws {
        for n in 1...16 {
            let bytes = try SafeTensorsFile.serialize([], metadata: ["k": String(repeating: "x", count: n)])
            let length = Int(bytes[0])
            #expect(length % 8 == 0)
            #expect(bytes.count == 8 + length)
            let unpadded = #"{"__metadata__":{"format":"pt","k":""}}"#.utf8.count + n
            #expect(length - unpadded < 8)
            #expect(bytes[(8 + unpadded)...].allSatisfy { $0 == 0x20 })
        }
    }

    @Test("the reader parses the reference writer's test vector for attn.0 F32 [1,2,3]")
    func readsReferenceVector() throws {
        let header = #"{"attn.0":{"dtype":"F32","shape":[1,2,3],"data_offsets":[0,24]}}"#
        let bytes: [UInt8] = [64, 0, 0, 0, 0, 0, 0, 0] + Array(header.utf8) + Self.zeroToFive
        let file = try SafeTensorsFile.parse(Data(bytes))
        #expect(file.metadata.isEmpty)
        #expect(file.names == ["attn.0"])
        #expect(file["attn.0"]?.shape == [1, 2, 3])
        #expect(file["attn.0"]?.values(as: Float.self) == [0, 1, 2, 3, 4, 5])
    }

    @Test("the reader parses the reference's empty files, with and without metadata")
    func readsReferenceEmpty() throws {
        let empty = try SafeTensorsFile.parse(Data([8, 0, 0, 0, 0, 0, 0, 0, 123, 125, 32, 32, 32, 32, 32, 32]))
        #expect(empty.entries.isEmpty && empty.metadata.isEmpty)
        let withMeta = try SafeTensorsFile.parse(fileBytes(header: #"{"__metadata__":{"framework":"pt"}}     "#))
        #expect(withMeta.metadata == ["framework": "pt"])
    }

    @Test("the reader parses the reference doc example: I32 [2,2] with a 60-byte unpadded header")
    func readsReferenceDocExample() throws {
        let header = #"{"test":{"dtype":"I32","shape":[2,2],"data_offsets":[0,16]}}"#
        let bytes: [UInt8] = [60, 0, 0, 0, 0, 0, 0, 0] + Array(header.utf8) + [UInt8](repeating: 0, count: 16)
        let file = try SafeTensorsFile.parse(Data(bytes))
        #expect(file["test"]?.values(as: Int32.self) == [0, 0, 0, 0])
    }

    @Test("JSON whitespace, escapes in keys and a trailing __metadata__ are accepted")
    func readerAcceptsJSONVariants() throws {
        let header = "{ \"a\\u00e9\\/b\" : {\"shape\" : [ 2 ], \"data_offsets\":[0, 2],\n\"dtype\":\"U8\"},\t\"__metadata__\":{} }\r\n"
        let file = try SafeTensorsFile.parse(fileBytes(header: header, buffer: [7, 8]))
        #expect(file.names == ["aé/b"])
        #expect(file["aé/b"]?.data == Data([7, 8]))
    }

    @Test("surrogate-pair escapes decode to one scalar and match the raw UTF-8 spelling")
    func readerSurrogatePairs() throws {
        let escaped = try SafeTensorsFile.parse(fileBytes(header: #"{"__metadata__":{"k":"\ud83d\ude00"}}"#))
        #expect(escaped.metadata["k"] == "😀")
    }
}
