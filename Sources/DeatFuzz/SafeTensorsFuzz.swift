// SafeTensorsFuzz.swift: the safetensors target: seeds written by SafeTensorsFile.serialize, and a
// header generator that starts from a valid layout and breaks it the ways the format can be broken.
//
// Header anomalies: shapes of 10^12 elements and more, negative and non-integer dimensions, offsets
// past the buffer, reversed, overlapping or leaving holes, unknown dtype names, duplicate tensors,
// fields and __metadata__, missing and extra fields, metadata that is not a string map, nesting
// beyond the parser's depth cap, invalid UTF-8 and hostile escapes in keys, a length field that lies.

import Foundation
import SafeTensors

enum SafeTensorsFuzz {
    static func check(_ input: [UInt8]) -> Outcome {
        do {
            let file = try SafeTensorsFile.parse(Data(input), source: "fuzz.safetensors")
            var total = 0
            for entry in file.entries {
                guard entry.dtype.byteCount(shape: entry.shape) == entry.data.count else {
                    violation("tensor \(visible(entry.name)) holds \(entry.data.count) bytes for \(entry.dtype) \(entry.shape)")
                }
                total += entry.data.count
            }
            guard total <= input.count else { violation("\(total) tensor bytes from a \(input.count)-byte file") }
            return .parsed
        } catch {
            return rejected(error, as: SafeTensorsError.self)
        }
    }

    static let seeds: [Seed] = {
        func values<T: SafeTensorsScalar>(_ count: Int, _ make: (Int) -> T) -> [T] { (0..<count).map(make) }
        let mixed: [SafeTensorsEntry] = [
            SafeTensorsEntry(name: "conv1.weight", shape: [2, 1, 3, 3], values: values(18) { Float($0) / 7 }),
            SafeTensorsEntry(name: "conv1.bias", shape: [2], values: [Double.pi, -0.0]),
            SafeTensorsEntry(name: "bn.num_batches_tracked", shape: [], values: [Int64(12)]),
            SafeTensorsEntry(name: "mask", shape: [5], values: [true, false, true, true, false]),
            SafeTensorsEntry(name: "ids", shape: [3, 2], values: values(6) { Int32($0 - 3) }),
            SafeTensorsEntry(name: "small", shape: [4], values: values(4) { Int16($0 * 1000) }),
            SafeTensorsEntry(name: "half", dtype: .bf16, shape: [3], data: Data([0x80, 0x3F, 0, 0x40, 0x40, 0x40])),
            SafeTensorsEntry(name: "bytes", shape: [2, 3], values: values(6) { UInt8($0) }),
            SafeTensorsEntry(name: "empty", shape: [0, 4], values: [Float]()),
        ]
        let files: [Data] = [
            (try? SafeTensorsFile.serialize(mixed, metadata: ["deat.method": "mplus-deat", "epoch": "3"])) ?? Data(),
            (try? SafeTensorsFile.serialize([], metadata: [:])) ?? Data(),
            (try? SafeTensorsFile.serialize([SafeTensorsEntry(name: "w", shape: [2, 2], values: [Float](repeating: 1, count: 4))],
                                            metadata: ["note": "ünïcode \u{1F600} \"quoted\" \\ /"])) ?? Data(),
        ]
        // The reference's documentation example: unpadded header, no metadata.
        let reference = file(header: #"{"TEST":{"dtype":"I32","shape":[2,2],"data_offsets":[0,16]}}"#,
                              buffer: [UInt8](repeating: 7, count: 16))
        return (files.map { [UInt8]($0) } + [reference]).map { Seed($0, fields: [0, 1, 4, 7]) }
    }()

    static let dictionary: [[UInt8]] = [
        "{", "}", "[", "]", ",", ":", "\"", "\\", "\\u0000", "\\ud800", "\\udc00", "\\ud83d\\ude00", "-", "0", "1e3",
        "1.0", "-1", "1000000", "99999999999999999999", "9223372036854775807", "null", "true", "\"dtype\"",
        "\"shape\"", "\"data_offsets\"", "\"__metadata__\"", "\"F32\"", "\"F8_E4M3\"", "[1000000,1000000]",
        "[0,18446744073709551615]", "[[[[[[[[[[[[[[[[", " ", "\t", "\\u0085", "\\u2028", "\u{85}", "\u{2029}",
    ].map { Array($0.utf8) } + [[0xFF], [0xC0, 0xAF], [0xED, 0xA0, 0x80], [0xF4, 0x90, 0x80, 0x80], [0x00]]

    /// A file image: little-endian u64 length of `header`, the header, the buffer.
    static func file(header: String, buffer: [UInt8]) -> [UInt8] { file(headerBytes: Array(header.utf8), buffer: buffer) }

    static func file(headerBytes: [UInt8], buffer: [UInt8], claimedLength: UInt64? = nil) -> [UInt8] {
        let length = claimedLength ?? UInt64(headerBytes.count)
        return (0..<8).map { UInt8(truncatingIfNeeded: length >> (8 * $0)) } + headerBytes + buffer
    }

    /// One tensor entry as JSON fragments, so each part can be replaced by hostile text.
    private struct Spec {
        var key: String
        var dtype: String
        var shape: [String]
        var offsets: [String]
        var extraFields: [String] = []

        var json: String {
            var fields = ["\"dtype\":\(dtype)", "\"shape\":[\(shape.joined(separator: ","))]",
                          "\"data_offsets\":[\(offsets.joined(separator: ","))]"]
            fields += extraFields
            return "\(key):{\(fields.joined(separator: ","))}"
        }
    }

    /// A valid layout of up to five tensors, then one to three anomalies, rendered to a file image.
    static func generate(_ rng: inout SplitMix64) -> [UInt8] {
        var specs: [Spec] = []
        var offset = 0
        for i in 0..<rng.below(6) {
            let dtype = rng.pick(SafeTensorsDType.allCases)
            let shape = (0..<rng.below(4)).map { _ in rng.below(4) }
            let bytes = dtype.byteCount(shape: shape) ?? 0
            specs.append(Spec(key: "\"t\(i)\"", dtype: "\"\(dtype.rawValue)\"", shape: shape.map(String.init),
                              offsets: [String(offset), String(offset + bytes)]))
            offset += bytes
        }
        var bufferSize = offset
        var metadata = "\"__metadata__\":{\"format\":\"pt\"}"
        var prefix = "", suffix = "", claimedDelta: Int64 = 0
        var invalidBytes: [UInt8]?
        for _ in 0..<(1 + rng.below(3)) {
            let i = specs.isEmpty ? 0 : rng.below(specs.count)
            let huge = ["1000000", "4294967296", "9223372036854775807", "9223372036854775808", "18446744073709551615"]
            switch rng.below(16) {
            case 0 where !specs.isEmpty:  // 10^12 elements and beyond, offsets unchanged
                specs[i].shape = rng.chance(50) ? ["1000000", "1000000"] : [rng.pick(huge), rng.pick(huge), "2"]
            case 1 where !specs.isEmpty:  // the offsets claim the huge size too
                specs[i].shape = ["1000000", "1000000"]
                specs[i].offsets = ["0", rng.pick(["4000000000000", "1000000000000", "9223372036854775807"])]
            case 2 where !specs.isEmpty:
                specs[i].shape.append(rng.pick(["-1", "-9223372036854775808", "1.0", "1e3", "\"3\"", "null", "[]", "01", "-0"]))
            case 3 where !specs.isEmpty:  // past the end of the buffer
                specs[i].offsets[1] = String(bufferSize + 1 + rng.below(100))
            case 4 where !specs.isEmpty:
                specs[i].offsets = [rng.pick(["-1", "5", "9223372036854775807"]), rng.pick(["0", "-8", "18446744073709551616"])]
            case 5 where specs.count > 1:  // overlap: two tensors on the same bytes
                specs[i].offsets = specs[(i + 1) % specs.count].offsets
            case 6 where !specs.isEmpty:
                specs[i].dtype = rng.pick(["\"F8_E4M3\"", "\"f32\"", "\"\"", "\"F32 \"", "\"F32\\u0000\"", "3", "null", "\"\\u0046\\u0033\\u0032\""])
            case 7 where !specs.isEmpty:  // duplicate tensor, field, or a second __metadata__
                switch rng.below(3) {
                case 0: specs.append(specs[i])
                case 1: specs[i].extraFields.append("\"shape\":[1]")
                default: specs.append(Spec(key: "\"__metadata__\"", dtype: "\"U8\"", shape: [], offsets: ["0", "1"]))
                }
            case 8 where !specs.isEmpty:
                specs[i].extraFields.append(rng.pick(["\"offset\":0", "\"dtype\":\"U8\"", "\"\":{}"]))
            case 9:  // metadata that is not a string-to-string object
                metadata = "\"__metadata__\":" + rng.pick(["{\"a\":1}", "[]", "\"x\"", "{\"a\":{\"b\":\"c\"}}", "{\"a\":\"b\",\"a\":\"c\"}"])
            case 10:  // nesting just below, at and past the parser's cap of 32
                let depth = 28 + rng.below(10)
                metadata = "\"deep\":" + String(repeating: "[", count: depth) + String(repeating: "]", count: depth)
            case 11 where !specs.isEmpty:  // hostile keys
                specs[i].key = rng.pick(["\"\\u0000\"", "\"\\ud800\"", "\"\\udc00x\"", "\"\\ud83d\\ude00\"", "\"a\\nb\"", "\"a\\u2028b\"", "\"\u{85}\"", "\"\\x\"", "\"\"", "\"\u{10FFFF}\""])
            case 12:  // invalid UTF-8 inside the header
                invalidBytes = rng.pick([[0xFF], [0xC0, 0xAF], [0xED, 0xA0, 0x80], [0xF4, 0x90, 0x80, 0x80], [0xE2, 0x82]])
            case 13:  // whitespace, padding and garbage around the object
                prefix = rng.pick(["", " ", "\u{FEFF}"])
                suffix = rng.pick(["        ", " x", "}", "\u{0}", "\n\t"])
            case 14:  // the length field lies
                claimedDelta = rng.pick([-1, 1, -8, 8, 100_000_001, Int64.min, -(1 << 40)])
            default:  // the buffer is cut short or grown
                bufferSize = rng.chance(50) ? max(0, bufferSize - 1 - rng.below(8)) : bufferSize + 1 + rng.below(600)
            }
        }
        var members = specs.map(\.json)
        members.insert(metadata, at: rng.below(members.count + 1))
        var header = Array((prefix + "{" + members.joined(separator: ",") + "}" + suffix).utf8)
        if let invalidBytes { header.insert(contentsOf: invalidBytes, at: rng.below(header.count + 1)) }
        let claimed = UInt64(bitPattern: Int64(header.count) &+ claimedDelta)
        let buffer = (0..<bufferSize).map { _ in UInt8(truncatingIfNeeded: rng.next()) }
        return file(headerBytes: header, buffer: buffer, claimedLength: claimed)
    }
}
