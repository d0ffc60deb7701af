// deat's training and attacks on a TorchScript model, scripted and traced, against the same loops
// in PyTorch on the same file (scripts/interop/torchscript_model.py, Debian's /usr/bin/python3):
// one epoch of FREE-2 from a zero start gives PyTorch's weights, BatchNorm statistics included,
// and PGD-20 from a zero start breaks exactly the points PyTorch's breaks.
import Attacks
import Foundation
import NN
import SafeTensors
import Testing
import TestSupport
import Torch
@testable import Training

@Suite("Training and attacking a TorchScript model", .serialized)
struct ScriptedTrainingTests {
    /// Makes the model file and PyTorch's values in `dir` (see torchscript_model.py's `make`).
    func fixture(_ kind: String, in dir: URL) throws -> (file: URL, values: [String: Tensor]) {
        let file = dir.appendingPathComponent("\(kind).pt"), data = dir.appendingPathComponent("\(kind).safetensors")
        try runPythonOracle("scripts/interop/torchscript_model.py", ["make", "--kind", kind, "--out", file.path, "--data", data.path])
        let read = try Checkpoint.read(data)
        return (file, try Dictionary(uniqueKeysWithValues: read.entries.map { ($0.name, try Checkpoint.tensor($0, source: data.lastPathComponent)) }))
    }

    @Test("one epoch of FREE-2 (zero start) over three minibatches gives PyTorch's weights and statistics, and the eval logits after it", arguments: ["script", "trace"])
    func freeEpoch(kind: String) throws {
        try withTemporaryDirectory { dir in
            let (file, values) = try fixture(kind, in: dir)
            let (x, y) = (try #require(values["x"]), try #require(values["y"]))
            let model = try ScriptedModel(contentsOf: file)
            model.train()
            let optimizer = try SGD(parameters: model.parameters(), learningRate: 0.05, momentum: 0.9, weightDecay: 5e-4)
            let free = DEAT.free(replays: 2, epsilon: 0.1)
            for start in stride(from: 0, to: 24, by: 8) {
                let context = StepContext(
                    model: model, optimizer: optimizer, inputScale: try Tensor.ones([1, 1, 1, 1]), epsilon: 0.1, epoch: 0,
                    generator: try Generator(seed: 1))
                _ = try free.step(images: x.slice(dim: 0, start..<start + 8), labels: y.slice(dim: 0, start..<start + 8), context: context)
            }
            for (name, tensor) in model.stateDict() {
                try expectClose(tensor, try #require(values["free." + name], "\(name)").doubles(), atol: 1e-4, "\(kind): \(name)")
            }
            model.eval()
            try expectClose(try withNoGrad { try model(x.slice(dim: 0, 0..<8)) }, try #require(values["free_eval"]).doubles(), atol: 1e-4, "\(kind): eval logits")
        }
    }

    @Test("PGD-20 from a zero start breaks the points PyTorch's PGD breaks on the same file", arguments: ["script", "trace"])
    func pgd(kind: String) throws {
        try withTemporaryDirectory { dir in
            let (file, values) = try fixture(kind, in: dir)
            let (x, y) = (try #require(values["x"]), try #require(values["y"]))
            let model = try ScriptedModel(contentsOf: file)
            model.eval()
            let attack = PGD(epsilon: 0.01, stepSize: 2.5 * 0.01 / 20, steps: 20, randomStart: false)
            let adversarial = try attack.perturb(model: model, images: x, labels: y, mode: .eval, generator: Generator(seed: 0))
            let robust = try withNoGrad { try model(adversarial).argmax(dim: 1).eq(y) }.to(dtype: .float32).doubles()
            let expected = try #require(values["pgd_robust"]).doubles()
            #expect(robust == expected)
            // The fixture keeps some points and breaks others, so the comparison can tell attacks apart.
            let clean = try #require(values["clean_correct"]).doubles()
            #expect(expected.contains(1) && zip(clean, expected).contains { $0 == 1 && $1 == 0 })
        }
    }
}
