// A TorchScript model as a deat Layer, scripted and traced: its state_dict names and shapes are
// PyTorch's, its eval- and train-mode logits are PyTorch's, a train-mode forward moves the
// running statistics deat holds (the module's own tensors), and the file deat saves loads in
// PyTorch. The PyTorch side is scripts/interop/torchscript_model.py (a residual CNN with
// BatchNorm), run with Debian's /usr/bin/python3; FREE-2 and PGD-20 on the same files are in
// Tests/TrainingTests/ScriptedTrainingTests.swift.
import Foundation
import NN
import SafeTensors
import Testing
import TestSupport
import Torch

/// The model files and the PyTorch values of `torchscript_model.py make`, for one kind.
struct ScriptedFixture {
    let file: URL
    let tensors: [String: Tensor]
    /// "name:AxB" of every state_dict entry, in PyTorch's order.
    let names: [String]

    /// Makes the files in `dir`: `kind` is "script" or "trace".
    init(kind: String, in dir: URL) throws {
        file = dir.appendingPathComponent("\(kind).pt")
        let data = dir.appendingPathComponent("\(kind).safetensors")
        try runPythonOracle("scripts/interop/torchscript_model.py", ["make", "--kind", kind, "--out", file.path, "--data", data.path])
        let read = try Checkpoint.read(data)
        tensors = try Dictionary(uniqueKeysWithValues: read.entries.map { ($0.name, try Checkpoint.tensor($0, source: data.lastPathComponent)) })
        names = (read.metadata["names"] ?? "").split(separator: ",").map(String.init)
    }

    func callAsFunction(_ name: String) throws -> Tensor { try #require(tensors[name], "no \(name) in the PyTorch values") }
}

@Suite("TorchScript models", .serialized)
struct ScriptedModelTests {
    @Test("names, shapes, eval- and train-mode logits and BatchNorm statistics are PyTorch's; the saved file loads in PyTorch", arguments: ["script", "trace"])
    func matchesPyTorch(kind: String) throws {
        try withTemporaryDirectory { dir in
            let fixture = try ScriptedFixture(kind: kind, in: dir)
            let x = try fixture("x").slice(dim: 0, 0..<8)
            let model = try ScriptedModel(contentsOf: fixture.file)
            // The same entries; deat lists all parameters before all buffers (named_parameters, then
            // named_buffers), where state_dict interleaves them per module: safetensors has no order.
            #expect(model.stateDict().map { "\($0.name):\($0.tensor.shape.map(String.init).joined(separator: "x"))" }.sorted() == fixture.names.sorted())
            #expect(model.namedParameters().count == 12 && fixture.names.count == 23)
            model.eval()
            #expect(!model.training)
            try expectClose(try withNoGrad { try model(x) }, try fixture("eval").doubles(), atol: 1e-5, "eval logits")
            // Train mode: batch statistics (frozen when traced in eval mode, in PyTorch as in deat),
            // and the running mean deat holds is the module's, moved by the forward.
            model.train()
            try expectClose(try withNoGrad { try model(x) }, try fixture("train").doubles(), atol: 1e-5, "train logits")
            let runningMean = try #require(model.localBuffers.first { $0.name == "bn1.running_mean" }?.tensor)
            try expectClose(runningMean, try fixture("train_running_mean").doubles(), atol: 1e-6, "running mean")
            #expect(try model.batchNormFollowsTrainMode(imageShape: [1, 8, 8]) == (kind == "script"))

            // Saved by deat, read by PyTorch with the statistics it now has.
            model.eval()
            let expected = try withNoGrad { try model(x) }.doubles()
            let saved = dir.appendingPathComponent("saved.pt"), data = dir.appendingPathComponent("\(kind).safetensors")
            try model.save(to: saved)
            try runPythonOracle("scripts/interop/torchscript_model.py", ["check", "--model", saved.path, "--data", data.path])
            let reloaded = try #require(try Checkpoint.read(data)["reloaded"])
            try expectClose(try Checkpoint.tensor(reloaded, source: "reloaded"), expected, atol: 1e-6, "PyTorch reload")
        }
    }

    @Test("a missing or corrupt TorchScript file is one clear error that says how to make one")
    func badFiles() throws {
        try withTemporaryDirectory { dir in
            #expect(throws: NNError.self) { try ScriptedModel(contentsOf: dir.appendingPathComponent("none.pt")) }
            let junk = dir.appendingPathComponent("junk.pt")
            try Data("not a zip archive".utf8).write(to: junk)
            do {
                _ = try ScriptedModel(contentsOf: junk)
                Issue.record("a corrupt file loaded")
            } catch let error as NNError {
                #expect(!"\(error)".contains("\n"), "one line: \(error)")
                #expect("\(error)".contains("junk.pt is not a TorchScript file") && "\(error)".contains("torch.jit.trace"), "\(error)")
            }
        }
    }
}
