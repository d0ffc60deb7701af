// Checkpoints: round trips, metadata, strict loading with one error listing every problem, and
// corrupt files giving clear errors while the model stays untouched.
import Foundation
import Models
import NN
import SafeTensors
import Testing
import TestSupport
import Torch

@Suite("Checkpoints")
struct CheckpointTests {
    /// A model whose BatchNorm statistics have moved away from their initial values.
    static func trainedPreAct(seed: UInt64) throws -> PreActResNet18 {
        let model = try PreActResNet18(generator: Generator(seed: seed))
        _ = try withNoGrad { try model(Tensor.rand([4, 3, 32, 32], generator: Generator(seed: seed + 100))) }
        model.eval()
        return model
    }

    @Test("save then load into a differently seeded model gives identical tensors and logits")
    func roundTrip() throws {
        try withTemporaryDirectory { dir in
            let url = dir.appendingPathComponent("model.safetensors")
            let source = try Self.trainedPreAct(seed: 1)
            let metadata = CheckpointMetadata(
                model: "preact-resnet18", classes: 10, dataset: "cifar10", normalizeMean: Normalization.cifar10.mean,
                normalizeStd: Normalization.cifar10.std, method: "mplus-deat", epsilon: 8.0 / 255, epoch: 7, extra: ["note": "x"])
            try Checkpoint.save(source, metadata: metadata, to: url)
            let target = try PreActResNet18(generator: Generator(seed: 2))
            target.eval()
            let loaded = try Checkpoint.load(into: target, from: url)
            #expect(loaded == metadata)
            for (a, b) in zip(source.stateDict(), target.stateDict()) {
                #expect(a.name == b.name)
                #expect(try a.tensor.bytes() == b.tensor.bytes(), "\(a.name)")
            }
            let x = try Tensor.rand([2, 3, 32, 32], generator: Generator(seed: 3))
            #expect(try source(x).floats() == target(x).floats())
            #expect(try Checkpoint.read(url).metadata["format"] == "pt")
            let (rebuilt, kind, _) = try loadModel(from: url)
            rebuilt.eval()
            #expect(kind == .preActResNet18)
            #expect(try rebuilt(x).floats() == source(x).floats())
        }
    }

    @Test("a file for another model lists missing, unexpected and wrong-shape keys in one error")
    func wrongModel() throws {
        try withTemporaryDirectory { dir in
            let url = dir.appendingPathComponent("cnn.safetensors")
            try Checkpoint.save(SmallCNN(classes: 7, generator: Generator(seed: 0)), metadata: CheckpointMetadata(model: "small-cnn"), to: url)
            let error = try #require(throws: SafeTensorsError.self) { try Checkpoint.load(into: SmallCNN(), from: url) }
            #expect(error.description.contains("fc.weight"))
            let other = try #require(throws: SafeTensorsError.self) {
                try Checkpoint.load(into: PreActResNet18(), from: url)
            }
            let text = other.description
            #expect(text.contains("layer1.0.bn1.weight"))  // missing
            #expect(text.contains("conv3.weight"))  // unexpected
            #expect(text.contains("conv1.weight"))  // wrong shape
            #expect(!text.contains("\n"))
        }
    }

    @Test("truncated and header-corrupted files are clear errors and leave the model untouched")
    func corrupt() throws {
        try withTemporaryDirectory { dir in
            let url = dir.appendingPathComponent("model.safetensors")
            let model = try SmallCNN(generator: Generator(seed: 0))
            try Checkpoint.save(model, metadata: CheckpointMetadata(model: "small-cnn"), to: url)
            let bytes = try Data(contentsOf: url)
            let target = try SmallCNN(generator: Generator(seed: 5))
            let before = try target.conv1.weight.floats()

            let truncated = dir.appendingPathComponent("truncated.safetensors")
            try bytes.prefix(bytes.count - 100).write(to: truncated)
            let error = try #require(throws: SafeTensorsError.self) { try Checkpoint.load(into: target, from: truncated) }
            #expect(error.description.hasPrefix("truncated.safetensors"))

            var header = bytes
            header[12] = UInt8(ascii: "#")
            let garbled = dir.appendingPathComponent("garbled.safetensors")
            try header.write(to: garbled)
            #expect(throws: SafeTensorsError.self) { try Checkpoint.load(into: target, from: garbled) }
            #expect(throws: (any Error).self) { try Checkpoint.load(into: target, from: dir.appendingPathComponent("missing.safetensors")) }
            #expect(try target.conv1.weight.floats() == before)
        }
    }

    @Test("metadata round-trips through its string map and keeps unknown keys")
    func metadata() {
        let m = CheckpointMetadata(
            model: "small-cnn", classes: 10, dataset: "fashion-mnist", normalizeMean: [0.286], normalizeStd: [0.353],
            method: "deat", epsilon: 0.1, epoch: 3, extra: ["custom": "1"])
        #expect(CheckpointMetadata(m.entries) == m)
        #expect(m.entries["normalize_mean"] == "0.286")
        #expect(m.entries["deat_version"] == Runtime.deatVersion)
        #expect(CheckpointMetadata(["epsilon": "oops"]).epsilon == nil)
    }
}
