// A model of the user's own, as a TorchScript file, through every command: `deat train
// --model-file` writes TorchScript files PyTorch reads with deat's logits and safetensors under the
// module's own state_dict names; `deat eval` of the .pt and of the .safetensors agree; a stopped
// run resumes to the uninterrupted run's bytes from its own copy of the model. The models are
// scripts/fixtures/gen_torchscript.py's; the PyTorch side is scripts/interop/torchscript_model.py.
import Foundation
import Testing
import TestSupport

@Suite("TorchScript models in deat's commands", .serialized, .enabled(if: fashionMNISTAvailable, fashionMNISTMissing))
struct TorchScriptCommandTests {
    static let fixtures = URL(fileURLWithPath: #filePath).deletingLastPathComponent().appendingPathComponent("Fixtures/torchscript")
    static let python = URL(fileURLWithPath: "/usr/bin/python3")

    /// The module's state_dict names, as torch.jit.load shows them for gen_torchscript.py's CNN.
    static let names: Set<String> = [
        "mean", "std", "conv1.weight", "conv1.bias", "bn1.weight", "bn1.bias", "bn1.running_mean", "bn1.running_var",
        "bn1.num_batches_tracked", "conv2.weight", "conv2.bias", "fc.weight", "fc.bias",
    ]

    /// The tensors' names and the metadata of a safetensors file.
    static func header(_ url: URL) throws -> (names: Set<String>, metadata: [String: String]) {
        let data = try Data(contentsOf: url)
        let size = Int(data.prefix(8).withUnsafeBytes { $0.loadUnaligned(as: UInt64.self) })
        let header = try #require(try JSONSerialization.jsonObject(with: data.subdata(in: 8..<(8 + size))) as? [String: Any])
        return (Set(header.keys.filter { $0 != "__metadata__" }), header["__metadata__"] as? [String: String] ?? [:])
    }

    func train(_ model: URL, out: URL, _ extra: [String] = []) -> [String] {
        tinyTrainArguments(out: out) + ["--model-file", model.path, "--method", "pgd", "--iterations", "2"] + extra
    }

    @Test("train --model-file writes model.pt, best.pt and initial.pt, safetensors under the module's names; eval of .pt and .safetensors agree; PyTorch reads model.pt with deat's logits")
    func trainEvaluatePredict() throws {
        try withTemporaryDirectory { dir in
            let run = dir.appendingPathComponent("run")
            let trained = try runDeat(train(Self.fixtures.appendingPathComponent("cnn.pt"), out: run))
            try #require(trained.status == 0, "\(trained.stderr)")
            // cnn.pt was traced in eval mode: its BatchNorm cannot train, and the user is told so.
            #expect(trained.stderr.contains("warning: cnn.pt: its BatchNorm layers keep their running statistics in train mode"), "\(trained.stderr)")
            for file in ["model.pt", "best.pt", "initial.pt", "model.safetensors", "best.safetensors"] {
                #expect(FileManager.default.fileExists(atPath: run.appendingPathComponent(file).path), "\(file)")
            }
            let saved = try Self.header(run.appendingPathComponent("model.safetensors"))
            #expect(saved.names == Self.names)
            #expect(saved.metadata["model"] == "torchscript:initial.pt")

            let info = try runDeat(["info", run.appendingPathComponent("model.pt").path, "--tensors"])
            try #require(info.status == 0, "\(info.stderr)")
            #expect(info.stdout.contains("model.pt: TorchScript, 13 tensors") && info.stdout.contains("conv1.weight")
                    && info.stdout.contains("first convolution (conv1.weight) takes 1 channel(s)"), "\(info.stdout)")

            // The TorchScript file and the safetensors beside it are the same model.
            var accuracies: [[Double]] = []
            for model in ["model.pt", "model.safetensors"] {
                let report = dir.appendingPathComponent("\(model).json")
                let result = try runDeat([
                    "eval", run.appendingPathComponent(model).path, "--dataset", "fashion-mnist", "--eps", "0.1", "--attacks", "pgd-3",
                    "--n", "16", "--batch-size", "16", "--threads", "1", "--report", report.path,
                ])
                try #require(result.status == 0, "\(model): \(result.stderr)")
                let json = try #require(try JSONSerialization.jsonObject(with: Data(contentsOf: report)) as? [String: Any])
                accuracies.append([json["clean_accuracy"], json["robust_accuracy"]].compactMap { $0 as? Double })
            }
            #expect(accuracies[0].count == 2 && accuracies[0] == accuracies[1], "\(accuracies)")

            // PyTorch loads model.pt as it is, with deat's weights and logits.
            var random = SplitMix64(seed: 0x75C1)
            let images = dir.appendingPathComponent("x.safetensors"), logits = dir.appendingPathComponent("l.safetensors")
            try PredictCLITests.writeImages(random.bytes(4 * 784), shape: [4, 1, 28, 28], asFloat: true, to: images)
            let predicted = try runDeat(["predict", run.appendingPathComponent("model.pt").path, "--input", images.path, "--output", logits.path])
            try #require(predicted.status == 0, "\(predicted.stderr)")
            try #require(FileManager.default.isExecutableFile(atPath: Self.python.path), "no /usr/bin/python3: install python3-torch")
            let script = URL(fileURLWithPath: #filePath).deletingLastPathComponent().appendingPathComponent("../../scripts/interop/torchscript_model.py").standardized
            let torch = try runProcess(Self.python, [script.path, "forward", "--model", run.appendingPathComponent("model.pt").path, "--data", images.path])
            try #require(torch.status == 0, "torchscript_model.py failed (is python3-torch installed?): \(torch.stderr)")
            #expect(Set(try Self.header(images).metadata["names"]?.split(separator: ",").map(String.init) ?? []) == Self.names)
            let (ours, theirs) = (try PredictCLITests.logits(logits), try PredictCLITests.logits(images, tensor: "reloaded"))
            #expect(ours.count == 40 && zip(ours, theirs).allSatisfy { abs($0 - $1) <= 1e-5 }, "\(ours) vs \(theirs)")
        }
    }

    @Test("a TorchScript run stopped mid-epoch resumes to the uninterrupted run's files, also after the user's file is gone")
    func resumesExactly() throws {
        try withTemporaryDirectory { dir in
            let source = dir.appendingPathComponent("mine.pt")
            try FileManager.default.copyItem(at: Self.fixtures.appendingPathComponent("cnn-scripted.pt"), to: source)
            let whole = dir.appendingPathComponent("whole"), stopped = dir.appendingPathComponent("stopped")
            let reference = try runDeat(train(source, out: whole))
            try #require(reference.status == 0, "\(reference.stderr)")
            #expect(!reference.stderr.contains("warning"), "a scripted model's BatchNorm trains: \(reference.stderr)")
            let first = try runDeat(train(source, out: stopped, ["--stop-after-batches", "6"]))
            try #require(first.status == 0, "\(first.stderr)")
            try FileManager.default.removeItem(at: source)
            let resumed = try runDeat(resumeArguments(stopped))
            try #require(resumed.status == 0, "\(resumed.stderr)")
            for file in ["model.safetensors", "best.safetensors"] {
                #expect(try Data(contentsOf: stopped.appendingPathComponent(file)) == Data(contentsOf: whole.appendingPathComponent(file)), "\(file)")
            }
            #expect(try logWithoutTimes(stopped) == logWithoutTimes(whole))
        }
    }
}
