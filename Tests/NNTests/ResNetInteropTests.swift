// deat's ResNet-18/50 are torchvision's: the same state_dict (names, order, shapes, dtypes), a deat
// checkpoint loads into `torchvision.models.resnetNN(num_classes=5)` with strict=True and gives the
// same eval logits, and torchvision's state_dict gives torchvision's logits in deat
// (scripts/interop/torchvision_resnet.py, Debian's /usr/bin/python3 with python3-torchvision).
// Small 64×64 inputs keep it fast. The Python-free checks are in ResNetTests.swift.
import Foundation
import Models
import NN
import Testing
import TestSupport
import Torch

@Suite("ResNet checkpoints interchange with torchvision", .serialized)
struct ResNetInteropTests {
    static let script = "scripts/interop/torchvision_resnet.py"
    static let classes = 5, side = 64

    func readTensor(_ url: URL, _ key: String) throws -> Tensor {
        let file = try Checkpoint.read(url)
        return try Checkpoint.tensor(try #require(file[key]), source: url.lastPathComponent)
    }

    @Test("torchvision → deat: same state_dict names, order and shapes; same logits to 1e-4", arguments: ["resnet18", "resnet50"])
    func torchvisionToDeat(name: String) throws {
        try withTemporaryDirectory { dir in
            let weights = dir.appendingPathComponent("w.safetensors"), input = dir.appendingPathComponent("x.safetensors")
            let output = dir.appendingPathComponent("y.safetensors"), names = dir.appendingPathComponent("names.json")
            let mean = ResNetTests.imageNet.mean, std = ResNetTests.imageNet.std
            let join = { (v: [Float]) in v.map { "\($0)" }.joined(separator: ",") }
            try runPythonOracle(Self.script, [
                "export", "--model", name, "--classes", "\(Self.classes)", "--seed", "3", "--size", "\(Self.side)",
                "--mean", join(mean), "--std", join(std),
                "--weights", weights.path, "--input", input.path, "--output", output.path, "--names", names.path,
            ])
            // Names, order, shapes and dtypes of torchvision's state_dict.
            let reference = try JSONDecoder().decode([[StateDictFixture.StringOrShape]].self, from: Data(contentsOf: names))
            let built = try ModelKind(name: name).build(classes: Self.classes, normalization: ResNetTests.imageNet)
            let ours = built.stateDict().map { ($0.name, $0.tensor.shape, $0.tensor.dtype.description) }
            let theirs = reference.map { entry -> (String, [Int], String) in
                guard case .text(let key) = entry[0], case .shape(let shape) = entry[1], case .text(let dtype) = entry[2] else { return ("?", [], "?") }
                return (key, shape, dtype)
            }
            #expect(ours.map(\.0) == theirs.map(\.0))
            #expect(ours.map(\.1) == theirs.map(\.1))
            #expect(ours.map(\.2) == theirs.map(\.2))
            // torchvision's weights (moved BatchNorm statistics included) give its logits in deat.
            let (model, kind, metadata) = try loadModel(from: weights)
            #expect(kind.description == name && metadata.classes == Self.classes)
            model.eval()
            let logits = try withNoGrad { try model(readTensor(input, "x")) }
            expectClose(try logits.doubles(), try readTensor(output, "logits").doubles(), rtol: 0, atol: 1e-4, name)
        }
    }

    @Test("deat → torchvision (strict=True): same logits to 1e-4", arguments: ["resnet18", "resnet50"])
    func deatToTorchvision(name: String) throws {
        try withTemporaryDirectory { dir in
            let normalization = ResNetTests.imageNet
            let model = try ModelKind(name: name).build(classes: Self.classes, normalization: normalization, generator: Generator(seed: 11))
            let gen = try Generator(seed: 12)
            _ = try withNoGrad { try model(Tensor.rand([4, 3, Self.side, Self.side], generator: gen)) }  // move BN statistics
            model.eval()
            let x = try Tensor.rand([3, 3, Self.side, Self.side], generator: gen)
            let logits = try withNoGrad { try model(x) }
            let weights = dir.appendingPathComponent("w.safetensors"), input = dir.appendingPathComponent("x.safetensors")
            let output = dir.appendingPathComponent("y.safetensors")
            let metadata = CheckpointMetadata(model: name, classes: Self.classes, normalizeMean: normalization.mean, normalizeStd: normalization.std)
            try Checkpoint.save(model, metadata: metadata, to: weights)
            try Checkpoint.save([("x", x)], metadata: [:], to: input)
            try runPythonOracle(Self.script, ["forward", "--weights", weights.path, "--input", input.path, "--output", output.path])
            expectClose(try readTensor(output, "logits").doubles(), try logits.doubles(), rtol: 0, atol: 1e-4, name)
        }
    }
}
