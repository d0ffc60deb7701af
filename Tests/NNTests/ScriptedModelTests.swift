// A TorchScript model as a deat Layer: its forward is PyTorch's, its parameters and buffers are the
// module's own tensors (deat's SGD step gives PyTorch's next logits; a train-mode forward moves the
// running mean deat holds), and the file deat saves loads in PyTorch with the trained weights. The
// PyTorch side is scripts/interop/torchscript_model.py, run with Debian's /usr/bin/python3.
import Foundation
import NN
import SafeTensors
import Testing
import TestSupport
import Torch

@Suite("TorchScript models", .serialized)
struct ScriptedModelTests {
    func python(_ arguments: [String]) throws {
        try #require(pythonHasTorch, "the PyTorch oracle is missing: /usr/bin/python3 cannot import torch (install python3-torch)")
        let script = repositoryRoot.appendingPathComponent("scripts/interop/torchscript_model.py").path
        let result = try runProcess(URL(fileURLWithPath: "/usr/bin/python3"), [script] + arguments)
        try #require(result.status == 0, "\(result.stderr)")
    }

    func tensors(_ url: URL) throws -> [String: Tensor] {
        var out: [String: Tensor] = [:]
        for entry in try Checkpoint.read(url).entries {
            out[entry.name] = try Checkpoint.tensor(entry, source: url.lastPathComponent)
        }
        return out
    }

    @Test("forward, names and an SGD step through the module's own tensors match PyTorch; the saved file loads in PyTorch")
    func trainsLikePyTorch() throws {
        try withTemporaryDirectory { dir in
            let file = dir.appendingPathComponent("net.pt"), data = dir.appendingPathComponent("data.safetensors")
            try python(["make", "--out", file.path, "--data", data.path])
            let expected = try tensors(data)
            let (x, y) = (try #require(expected["x"]), try #require(expected["y"]))
            let model = try ScriptedModel(contentsOf: file)
            #expect(model.stateDict().map(\.name) == [
                "conv.weight", "conv.bias", "bn.weight", "bn.bias", "fc.weight", "fc.bias",
                "mean", "std", "bn.running_mean", "bn.running_var", "bn.num_batches_tracked",
            ])
            model.eval()
            #expect(!model.training)
            try expectClose(try withNoGrad { try model(x) }, try #require(expected["before"]).doubles(), atol: 1e-5, "eval logits")

            // One SGD step in deat on the module's own parameters, in train mode.
            model.train()
            let optimizer = try SGD(parameters: model.parameters(), learningRate: 0.1, momentum: 0.9, weightDecay: 5e-4)
            let runningMean = try #require(model.localBuffers.first { $0.name == "bn.running_mean" }?.tensor)
            try optimizer.zeroGrad()
            try F.crossEntropy(model(x), target: y).backward()
            try optimizer.step()
            // The forward moved the module's running mean, which is the tensor deat holds.
            try expectClose(runningMean, try #require(expected["running_mean"]).doubles(), atol: 1e-6, "running mean")
            model.eval()
            try expectClose(try withNoGrad { try model(x) }, try #require(expected["after"]).doubles(), atol: 1e-5, "logits after one step")

            // Saved by deat, read by PyTorch with the trained weights.
            let trained = dir.appendingPathComponent("trained.pt")
            try model.save(to: trained)
            try python(["check", "--model", trained.path, "--data", data.path])
            try expectClose(try #require(tensors(data)["reloaded"]), try #require(expected["after"]).doubles(), atol: 1e-5, "PyTorch reload")
        }
    }

    @Test("a missing or corrupt TorchScript file, or a module that does not return logits, is one clear error")
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
