// WriteSafetyTests.swift: what keeps a run's files good when things go wrong: a diverged model
// is never written over the last good checkpoint, an output directory that cannot be used is named
// with the reason, and only a file's own leftover temp files are swept.
import Foundation
import Models
import NN
import SafeTensors
import Storage
import Testing
import TestSupport
import Torch

@Suite("write safety")
struct WriteSafetyTests {
    @Test("a model holding NaN or ∞ is refused and the previous checkpoint stays byte for byte", arguments: [Double.nan, .infinity])
    func nonFiniteWeightsRefused(value: Double) throws {
        try withTemporaryDirectory { dir in
            let url = dir.appendingPathComponent("model.safetensors")
            let model = try SmallCNN(generator: Generator(seed: 1))
            try Checkpoint.save(model, metadata: CheckpointMetadata(model: "small-cnn"), to: url)
            let good = try Data(contentsOf: url)
            try withNoGrad { try model.parameters()[2].narrowed(dim: 0, start: 1, length: 1).fill(with: value) }
            let error = #expect(throws: NNError.self) {
                try Checkpoint.save(model, metadata: CheckpointMetadata(model: "small-cnn"), to: url)
            }
            let text = error.map { "\($0)" } ?? ""
            #expect(text.contains("refusing to write model.safetensors") && text.contains("NaN or infinite") && text.contains("the previous file is kept"), "\(text)")
            #expect(try Data(contentsOf: url) == good)
            #expect(try FileManager.default.contentsOfDirectory(atPath: dir.path) == ["model.safetensors"])
        }
    }

    @Test("an output directory is created with its parents, and one that cannot be is named with the reason")
    func outputDirectory() throws {
        try withTemporaryDirectory { dir in
            let nested = dir.appendingPathComponent("a/b/c")
            try OutputDirectory.prepare(nested)
            var isDirectory: ObjCBool = false
            #expect(FileManager.default.fileExists(atPath: nested.path, isDirectory: &isDirectory) && isDirectory.boolValue)
            try OutputDirectory.prepare(nested)  // already there: fine

            let file = dir.appendingPathComponent("file")
            try Data("x".utf8).write(to: file)
            let inPlace = #expect(throws: OutputDirectoryError.self) { try OutputDirectory.prepare(file) }
            #expect(inPlace?.description == "cannot write into \(file.path): it is a file, not a directory")
            let below = file.appendingPathComponent("run/x")
            let under = #expect(throws: OutputDirectoryError.self) { try OutputDirectory.prepare(below) }
            #expect(under?.description == "cannot write into \(below.path): \(file.path) is a file, not a directory")
            let parent = #expect(throws: OutputDirectoryError.self) { try OutputDirectory.prepare(parentOf: file.appendingPathComponent("r.json")) }
            #expect(parent?.description == "cannot write into \(file.path): it is a file, not a directory")
        }
    }

    @Test("removeLeftovers(of:) removes that file's temp files only")
    func leftovers() throws {
        try withTemporaryDirectory { dir in
            let report = dir.appendingPathComponent("r.json")
            let names = [".r.json.tmp-A", ".r.json.tmp-B", ".r.json.state.tmp-C", ".other.tmp-D", "r.json"]
            for name in names { try Data().write(to: dir.appendingPathComponent(name)) }
            #expect(AtomicFile.removeLeftovers(of: report).sorted() == [".r.json.tmp-A", ".r.json.tmp-B"])
            #expect(try FileManager.default.contentsOfDirectory(atPath: dir.path).sorted() == [".other.tmp-D", ".r.json.state.tmp-C", "r.json"])
        }
    }
}
