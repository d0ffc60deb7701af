// Helpers.swift: byte-level builders and small utilities shared by the SafeTensors tests.
//
// Fixtures are built in code from literal header text and byte arrays, so every test shows exactly
// the bytes it feeds the reader and no resource bundle is needed.

import Foundation
import Testing
import SafeTensors

/// A file image: 8-byte little-endian header length, the header text as UTF-8, then `buffer`.
func fileBytes(header: String, buffer: [UInt8] = []) -> Data {
    fileBytes(headerBytes: Array(header.utf8), buffer: buffer)
}

/// Like `fileBytes(header:buffer:)` with raw header bytes (for invalid UTF-8).
func fileBytes(headerBytes: [UInt8], buffer: [UInt8] = []) -> Data {
    var d = Data()
    withUnsafeBytes(of: UInt64(headerBytes.count).littleEndian) { d.append(contentsOf: $0) }
    d.append(contentsOf: headerBytes)
    d.append(contentsOf: buffer)
    return d
}

/// A file image whose length field says `length`, followed by `rest`.
func fileBytes(claimedLength length: UInt64, rest: [UInt8]) -> Data {
    var d = Data()
    withUnsafeBytes(of: length.littleEndian) { d.append(contentsOf: $0) }
    d.append(contentsOf: rest)
    return d
}

/// The error `parse` throws for `bytes`, or nil when it parses.
func parseError(_ bytes: Data, source: String = "model.safetensors") -> SafeTensorsError? {
    do {
        _ = try SafeTensorsFile.parse(bytes, source: source)
        return nil
    } catch {
        return error
    }
}

/// The header entry for one tensor, as the reference writer formats it.
func tensorJSON(_ name: String, _ dtype: String, _ shape: [Int], _ begin: Int, _ end: Int) -> String {
    "\"\(name)\":{\"dtype\":\"\(dtype)\",\"shape\":[\(shape.map(String.init).joined(separator: ","))],\"data_offsets\":[\(begin),\(end)]}"
}

/// A fresh empty directory under the system temp directory; removed by the caller with `removeDirectory`.
func makeTempDirectory() throws -> URL {
    let url = FileManager.default.temporaryDirectory.appendingPathComponent("deat-st-\(UUID().uuidString)")
    try FileManager.default.createDirectory(at: url, withIntermediateDirectories: false)
    return url
}

func removeDirectory(_ url: URL) {
    try? FileManager.default.removeItem(at: url)
}

/// Names in `directory` (hidden ones included), sorted.
func directoryListing(_ directory: URL) throws -> [String] {
    try FileManager.default.contentsOfDirectory(atPath: directory.path).sorted()
}

/// A small deterministic generator (SplitMix64) so the mutation test is reproducible.
struct SplitMix64: RandomNumberGenerator {
    var state: UInt64
    mutating func next() -> UInt64 {
        state &+= 0x9E37_79B9_7F4A_7C15
        var z = state
        z = (z ^ (z >> 30)) &* 0xBF58_476D_1CE4_E5B9
        z = (z ^ (z >> 27)) &* 0x94D0_49BB_1331_11EB
        return z ^ (z >> 31)
    }
}

/// A mixed-dtype set of entries covering scalars, empty tensors and every dtype.
func sampleEntries() -> [SafeTensorsEntry] {
    [
        SafeTensorsEntry(name: "conv1.weight", shape: [2, 1, 2, 2], values: (0..<8).map { Float($0) * 0.5 - 1 }),
        SafeTensorsEntry(name: "scale", shape: [], values: [Double.pi]),
        SafeTensorsEntry(name: "bn1.num_batches_tracked", shape: [], values: [Int64(1234)]),
        SafeTensorsEntry(name: "empty.i64", shape: [0], values: [Int64]()),
        SafeTensorsEntry(name: "empty.f32", shape: [3, 0, 2], values: [Float]()),
        SafeTensorsEntry(name: "mask", shape: [4], values: [true, false, false, true]),
        SafeTensorsEntry(name: "pixels", shape: [5], values: [UInt8(0), 1, 127, 128, 255]),
        SafeTensorsEntry(name: "i8", shape: [3], values: [Int8(-128), 0, 127]),
        SafeTensorsEntry(name: "i16", shape: [2], values: [Int16(-300), 300]),
        SafeTensorsEntry(name: "u16", shape: [2], values: [UInt16(65535), 1]),
        SafeTensorsEntry(name: "i32", shape: [1, 2], values: [Int32.min, Int32.max]),
        SafeTensorsEntry(name: "u32", shape: [1], values: [UInt32.max]),
        SafeTensorsEntry(name: "u64", shape: [1], values: [UInt64.max]),
        // Half and bfloat16: 1.0 and -2.0 as raw little-endian bit patterns.
        SafeTensorsEntry(name: "half", dtype: .f16, shape: [2], data: Data([0x00, 0x3C, 0x00, 0xC0])),
        SafeTensorsEntry(name: "bhalf", dtype: .bf16, shape: [2], data: Data([0x80, 0x3F, 0x00, 0xC0])),
    ]
}
