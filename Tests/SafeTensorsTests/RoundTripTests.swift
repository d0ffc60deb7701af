// RoundTripTests.swift: what the writer writes, the reader reads back unchanged, in the order the
// reference writer uses, with typed value access matching the stored bytes.

import Foundation
import Testing
import SafeTensors

@Suite("SafeTensors round trip")
struct RoundTripTests {
    @Test("serialize then parse returns every entry, dtype, shape, byte and metadata value unchanged")
    func roundTripInMemory() throws {
        let entries = sampleEntries()
        let metadata = ["deat.model": "PreActResNet18", "deat.epsilon": "8/255", "deat.epoch": "15"]
        let file = try SafeTensorsFile.parse(try SafeTensorsFile.serialize(entries, metadata: metadata))

        #expect(file.entries.count == entries.count)
        for e in entries {
            let back = try #require(file[e.name], "missing \(e.name)")
            #expect(back == e, "entry \(e.name)")
        }
        #expect(file.metadata == metadata.merging(["format": "pt"]) { a, _ in a })
    }

    @Test("write then read through the file system returns the same file, named in errors by file name")
    func roundTripOnDisk() throws {
        let dir = try makeTempDirectory()
        defer { removeDirectory(dir) }
        let url = dir.appendingPathComponent("ckpt.safetensors")
        let original = SafeTensorsFile(metadata: ["deat.method": "pgd"], entries: sampleEntries())
        try original.write(to: url)
        let back = try SafeTensorsFile.read(contentsOf: url)
        #expect(Set(back.names) == Set(original.names))
        for e in original.entries { #expect(back[e.name] == e) }
        #expect(back.metadata == ["deat.method": "pgd", "format": "pt"])
    }

    @Test("rank-0 tensors hold one element and empty tensors hold zero bytes")
    func scalarsAndEmpty() throws {
        let file = try SafeTensorsFile.parse(try SafeTensorsFile.serialize(sampleEntries(), metadata: [:]))
        let scalar = try #require(file["scale"])
        #expect(scalar.shape == [])
        #expect(scalar.elementCount == 1)
        #expect(scalar.values(as: Double.self) == [Double.pi])
        let empty = try #require(file["empty.f32"])
        #expect(empty.shape == [3, 0, 2])
        #expect(empty.data.isEmpty)
        #expect(empty.values(as: Float.self) == [])
    }

    @Test("tensors are laid out by descending dtype alignment, then bytewise name, as the reference writer does")
    func writerOrder() throws {
        let entries = [
            SafeTensorsEntry(name: "b", shape: [1], values: [Float(1)]),
            SafeTensorsEntry(name: "Z", shape: [1], values: [UInt8(1)]),
            SafeTensorsEntry(name: "a", shape: [1], values: [Float(2)]),
            SafeTensorsEntry(name: "c", shape: [1], values: [Int64(3)]),
            SafeTensorsEntry(name: "B", shape: [1], values: [Float(4)]),  // "B" < "a" < "b" bytewise
            SafeTensorsEntry(name: "h", dtype: .f16, shape: [1], data: Data([0, 0x3C])),
            SafeTensorsEntry(name: "d", shape: [1], values: [Double(5)]),
        ]
        let file = try SafeTensorsFile.parse(try SafeTensorsFile.serialize(entries, metadata: [:]))
        // The reader returns entries by ascending offset, i.e. the writer's order.
        #expect(file.names == ["c", "d", "B", "a", "b", "h", "Z"])
    }

    @Test("the reader keeps file order for tensors at the same offset and sorts the rest by offset")
    func readerOrder() throws {
        let header = "{" + [
            tensorJSON("second", "U8", [2], 2, 4),
            tensorJSON("empty1", "F32", [0], 0, 0),
            tensorJSON("first", "U8", [2], 0, 2),
            tensorJSON("empty0", "F32", [0, 5], 0, 0),
        ].joined(separator: ",") + "}"
        let file = try SafeTensorsFile.parse(fileBytes(header: header, buffer: [1, 2, 3, 4]))
        #expect(file.names == ["empty1", "empty0", "first", "second"])
        #expect(file["second"]?.data == Data([3, 4]))
    }

    @Test("typed values survive the little-endian encoding, and a mismatched type reads as nil")
    func typedValues() {
        let floats: [Float] = [0, -0.0, 1.5, .infinity, -.greatestFiniteMagnitude, .leastNonzeroMagnitude]
        let e = SafeTensorsEntry(name: "x", shape: [6], values: floats)
        #expect(e.dtype == .f32)
        #expect(e.data.count == 24)
        #expect(Array(e.data.prefix(8)) == [0, 0, 0, 0, 0, 0, 0, 0x80])  // +0.0 then -0.0, little-endian
        #expect(e.values(as: Float.self)?.map(\.bitPattern) == floats.map(\.bitPattern))
        #expect(e.values(as: Double.self) == nil)
        #expect(e.values(as: Int32.self) == nil)
        let i = SafeTensorsEntry(name: "i", shape: [2], values: [Int64(-2), 0x0102_0304_0506_0708])
        #expect(Array(i.data) == [0xFE, 0xFF, 0xFF, 0xFF, 0xFF, 0xFF, 0xFF, 0xFF, 8, 7, 6, 5, 4, 3, 2, 1])
        #expect(i.values(as: Int64.self) == [-2, 0x0102_0304_0506_0708])
    }

    @Test("NaN and infinity are stored and read without any value check")
    func nonFiniteValuesPass() throws {
        let e = SafeTensorsEntry(name: "x", shape: [3], values: [Float.nan, .infinity, -.infinity])
        let back = try SafeTensorsFile.parse(try SafeTensorsFile.serialize([e], metadata: [:]))
        #expect(back["x"]?.data == e.data)
    }

    @Test("entries built from Data slices are rebased so data[0] is the first byte")
    func sliceRebased() {
        let big = Data([9, 9, 1, 2, 3, 4])
        let e = SafeTensorsEntry(name: "s", dtype: .u8, shape: [4], data: big[2..<6])
        #expect(e.data.startIndex == 0)
        #expect(e.data[0] == 1)
    }

    @Test("a file image that is itself a Data slice parses with correct offsets")
    func parseSlice() throws {
        let image = try SafeTensorsFile.serialize(sampleEntries(), metadata: [:])
        var padded = Data([0xAA, 0xBB, 0xCC])
        padded.append(image)
        padded.append(0xDD)
        let file = try SafeTensorsFile.parse(padded[3..<(3 + image.count)])
        #expect(file["pixels"]?.values(as: UInt8.self) == [0, 1, 127, 128, 255])
    }
}
