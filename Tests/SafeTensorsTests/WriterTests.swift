// WriterTests.swift: the writer refuses inconsistent input before touching the disk, and file writes
// are atomic: no temp file left behind, and an old file survives a failed write untouched.

import Foundation
import Testing
import SafeTensors

@Suite("SafeTensors writer")
struct WriterTests {
    @Test("serialize rejects inconsistent entries, naming the tensor key", arguments: [
        ([SafeTensorsEntry(name: "w", dtype: .f32, shape: [2, 2], data: Data(count: 12))],
         SafeTensorsError.Problem.dataSizeMismatch(tensor: "w", dtype: .f32, shape: [2, 2], expectedBytes: 16, actualBytes: 12)),
        ([SafeTensorsEntry(name: "w", dtype: .u8, shape: [1], data: Data([1])),
          SafeTensorsEntry(name: "w", dtype: .u8, shape: [1], data: Data([2]))],
         .duplicateTensor("w")),
        ([SafeTensorsEntry(name: "__metadata__", dtype: .u8, shape: [0], data: Data())],
         .reservedName(tensor: "__metadata__")),
        ([SafeTensorsEntry(name: "w", dtype: .u8, shape: [-1], data: Data())],
         .negativeDimension(tensor: "w", shape: [-1])),
        ([SafeTensorsEntry(name: "w", dtype: .f32, shape: [1 << 32, 1 << 32], data: Data())],
         .shapeOverflow(tensor: "w", shape: [1 << 32, 1 << 32], dtype: .f32)),
    ])
    func rejectsBadEntries(entries: [SafeTensorsEntry], problem: SafeTensorsError.Problem) throws {
        do {
            _ = try SafeTensorsFile.serialize(entries, metadata: [:])
            Issue.record("serialize accepted \(problem)")
        } catch {
            #expect(error.problem == problem)
            #expect(error.source == "<memory>")
            #expect(error.description.contains(#""\#(entries[0].name)""#))
        }
    }

    @Test("a caller's format other than pt is refused; format pt is accepted")
    func formatMetadata() throws {
        #expect(throws: SafeTensorsError(source: "<memory>", problem: .metadataConflict(key: "format", value: "np"))) {
            try SafeTensorsFile.serialize([], metadata: ["format": "np"])
        }
        #expect(try SafeTensorsFile.parse(try SafeTensorsFile.serialize([], metadata: ["format": "pt"])).metadata == ["format": "pt"])
    }

    @Test("an atomic write leaves exactly the target file in the directory, no temp file")
    func noTempFileLeft() throws {
        let dir = try makeTempDirectory()
        defer { removeDirectory(dir) }
        let url = dir.appendingPathComponent("model.safetensors")
        try SafeTensorsFile.write(sampleEntries(), metadata: [:], to: url)
        try SafeTensorsFile.write(sampleEntries().prefix(2).map { $0 }, metadata: ["epoch": "2"], to: url)  // overwrite
        #expect(try directoryListing(dir) == ["model.safetensors"])
        let back = try SafeTensorsFile.read(contentsOf: url)
        #expect(back.metadata["epoch"] == "2")
        #expect(back.entries.count == 2)
        #expect(try Data(contentsOf: url) == (try SafeTensorsFile.serialize(sampleEntries().prefix(2).map { $0 }, metadata: ["epoch": "2"])))
    }

    @Test("a write that fails validation leaves the old file byte for byte and no temp file")
    func failedWriteKeepsOldFile() throws {
        let dir = try makeTempDirectory()
        defer { removeDirectory(dir) }
        let url = dir.appendingPathComponent("model.safetensors")
        try SafeTensorsFile.write(sampleEntries(), metadata: ["epoch": "1"], to: url)
        let before = try Data(contentsOf: url)
        let bad = [SafeTensorsEntry(name: "fc.weight", dtype: .f32, shape: [10, 10], data: Data(count: 4))]
        #expect(throws: SafeTensorsError.self) { try SafeTensorsFile.write(bad, metadata: [:], to: url) }
        do {
            try SafeTensorsFile.write(bad, metadata: [:], to: url)
        } catch {
            #expect(error.source == "model.safetensors")
            #expect(error.description.contains(#""fc.weight""#))
        }
        #expect(try Data(contentsOf: url) == before)
        #expect(try directoryListing(dir) == ["model.safetensors"])
    }

    @Test("a write into a missing directory is an io error and creates nothing")
    func missingDirectory() throws {
        let dir = try makeTempDirectory()
        defer { removeDirectory(dir) }
        let url = dir.appendingPathComponent("no-such-dir/model.safetensors")
        do {
            try SafeTensorsFile.write(sampleEntries(), metadata: [:], to: url)
            Issue.record("write into a missing directory succeeded")
        } catch {
            guard case .io = error.problem else { Issue.record("expected .io, got \(error.problem)"); return }
            #expect(error.description.hasPrefix("model.safetensors: "))
        }
        #expect(try directoryListing(dir) == [])
    }

    @Test("a write whose rename fails (target is a directory) removes its temp file and keeps the target")
    func renameFailureCleansUp() throws {
        let dir = try makeTempDirectory()
        defer { removeDirectory(dir) }
        let target = dir.appendingPathComponent("model.safetensors")
        try FileManager.default.createDirectory(at: target, withIntermediateDirectories: false)
        try Data([1]).write(to: target.appendingPathComponent("keep"))
        do {
            try SafeTensorsFile.write(sampleEntries(), metadata: [:], to: target)
            Issue.record("rename over a non-empty directory succeeded")
        } catch {
            guard case .io(let operation, _) = error.problem else { Issue.record("expected .io, got \(error.problem)"); return }
            #expect(operation.hasPrefix("renaming"))
        }
        #expect(try directoryListing(dir) == ["model.safetensors"])
        #expect(try directoryListing(target) == ["keep"])
    }
}
