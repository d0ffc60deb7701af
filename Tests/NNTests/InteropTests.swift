// deat ↔ PyTorch: a deat checkpoint loads into the reference PyTorch model with strict=True and
// gives the same logits, and a PyTorch-saved checkpoint gives the same logits in deat
// (scripts/interop/check_model.py, run with Debian's /usr/bin/python3). The test command installs
// python3-torch, so without it these tests fail rather than skip.
import Foundation
import Models
import NN
import Testing
import TestSupport
import Torch

@Suite("Checkpoint interchange with PyTorch", .serialized)
struct InteropTests {
    static let models: [(name: String, normalization: Normalization, side: Int)] = [
        ("small-cnn", .fashionMNIST, 28), ("preact-resnet18", .cifar10, 32), ("wide-resnet-34-10", .cifar10, 32),
    ]

    func python(_ arguments: [String]) throws {
        try #require(pythonHasTorch, "the PyTorch oracle is missing: /usr/bin/python3 cannot import torch (install python3-torch)")
        let script = repositoryRoot.appendingPathComponent("scripts/interop/check_model.py").path
        let result = try runProcess(URL(fileURLWithPath: "/usr/bin/python3"), [script] + arguments)
        try #require(result.status == 0, "\(result.stderr)")
    }

    func saveInput(_ x: Tensor, to url: URL) throws {
        try Checkpoint.save([("x", x)], metadata: [:], to: url)
    }

    func readLogits(_ url: URL) throws -> [Double] {
        let file = try Checkpoint.read(url)
        let entry = try #require(file["logits"])
        return try entry.data.withUnsafeBytes { try Tensor(bytes: $0, shape: entry.shape, dtype: .float32) }.doubles()
    }

    @Test("deat → PyTorch (strict=True) → same logits to 1e-4", arguments: 0..<models.count)
    func deatToPyTorch(index: Int) throws {
        let (name, normalization, side) = Self.models[index]
        try withTemporaryDirectory { dir in
            let kind = try ModelKind(name: name)
            let model = try kind.build(normalization: normalization, generator: Generator(seed: 11))
            let gen = try Generator(seed: 12)
            _ = try withNoGrad { try model(Tensor.rand([4, normalization.mean.count, side, side], generator: gen)) }  // move BN statistics
            model.eval()
            let x = try Tensor.rand([3, normalization.mean.count, side, side], generator: gen)
            let logits = try withNoGrad { try model(x) }
            let weights = dir.appendingPathComponent("w.safetensors"), input = dir.appendingPathComponent("x.safetensors")
            let output = dir.appendingPathComponent("y.safetensors")
            let metadata = CheckpointMetadata(model: name, classes: 10, normalizeMean: normalization.mean, normalizeStd: normalization.std)
            try Checkpoint.save(model, metadata: metadata, to: weights)
            try saveInput(x, to: input)
            try python(["forward", "--weights", weights.path, "--input", input.path, "--output", output.path])
            expectClose(try readLogits(output), try logits.doubles(), rtol: 0, atol: 1e-4, name)
        }
    }

    @Test("PyTorch → deat → same logits to 1e-4", arguments: 0..<models.count)
    func pyTorchToDeat(index: Int) throws {
        let (name, normalization, side) = Self.models[index]
        try withTemporaryDirectory { dir in
            let x = try Tensor.rand([3, normalization.mean.count, side, side], generator: Generator(seed: 21))
            let weights = dir.appendingPathComponent("w.safetensors"), input = dir.appendingPathComponent("x.safetensors")
            let output = dir.appendingPathComponent("y.safetensors")
            try saveInput(x, to: input)
            let join = { (v: [Float]) in v.map { "\($0)" }.joined(separator: ",") }
            try python([
                "export", "--model", name, "--seed", "3", "--weights", weights.path, "--input", input.path, "--output", output.path,
                "--mean", join(normalization.mean), "--std", join(normalization.std),
            ])
            let (model, _, metadata) = try loadModel(from: weights)
            #expect(metadata.model == name)
            model.eval()
            let logits = try withNoGrad { try model(x) }
            expectClose(try logits.doubles(), try readLogits(output), rtol: 0, atol: 1e-4, name)
        }
    }
}
