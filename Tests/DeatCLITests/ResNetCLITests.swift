// ResNet-18 through the commands, as a user runs it on grey 28×28 images (the ImageNet stem on
// MNIST-sized data is allowed): `deat train --model resnet18` with channels-last and bf16 autocast,
// then info, predict (logits equal torchvision's for the checkpoint, scripts/interop/
// torchvision_resnet.py with conv1 on one channel), eval and analyze load it by its metadata.
import Foundation
import Testing
import TestSupport

@Suite("ResNet-18 through train, info, predict, eval and analyze")
struct ResNetCLITests {
    let deat = builtProduct("deat")

    /// MNIST in IDX format (16 training and 8 test images of random bytes), as `--dataset mnist` reads it.
    static func writeMNIST(in dir: URL) throws {
        var random = SplitMix64(seed: 0x2E5E_7018)
        func bigEndian(_ values: [UInt32]) -> Data { Data(values.flatMap { v in (0..<4).reversed().map { UInt8(truncatingIfNeeded: v >> (8 * $0)) } }) }
        try FileManager.default.createDirectory(at: dir, withIntermediateDirectories: true)
        for (prefix, count) in [("train", 16), ("t10k", 8)] {
            try (bigEndian([0x803, UInt32(count), 28, 28]) + random.bytes(count * 784)).write(to: dir.appendingPathComponent("\(prefix)-images-idx3-ubyte"))
            try (bigEndian([0x801, UInt32(count)]) + (0..<count).map { UInt8($0 % 10) }).write(to: dir.appendingPathComponent("\(prefix)-labels-idx1-ubyte"))
        }
    }

    @Test("a grey-image ResNet-18 trains (channels-last, bf16), reloads by name, predicts torchvision's logits, evaluates and analyses")
    func endToEnd() throws {
        try withTemporaryDirectory { dir in
            let data = dir.appendingPathComponent("mnist"), run = dir.appendingPathComponent("run")
            try Self.writeMNIST(in: data)
            let dataset = ["--dataset", "mnist", "--data-dir", data.path, "--threads", "1"]
            let trained = try runProcess(deat, ["train", "--model", "resnet18", "--method", "fgsm-rs", "--epochs", "1", "--batch-size", "8",
                                                "--validation-size", "4", "--channels-last", "--autocast", "bf16", "--out", run.path] + dataset)
            try #require(trained.status == 0, "\(trained.stderr)")
            let model = run.appendingPathComponent("model.safetensors").path

            let info = try runProcess(deat, ["info", model])
            #expect(info.status == 0 && info.stdout.contains("model: resnet18"), "\(info.stdout)\(info.stderr)")
            #expect(info.stdout.contains("loads with every key and shape matching"), "\(info.stdout)")

            var random = SplitMix64(seed: 0x2E5E_7019)
            let images = dir.appendingPathComponent("x.safetensors"), logits = dir.appendingPathComponent("l.safetensors")
            try PredictCLITests.writeImages(random.bytes(3 * 784), shape: [3, 1, 28, 28], asFloat: true, to: images)
            let predicted = try runProcess(deat, ["predict", model, "--input", images.path, "--output", logits.path, "--threads", "1"])
            try #require(predicted.status == 0, "\(predicted.stderr)")
            #expect(predicted.stdout.contains("resnet18") && predicted.stdout.contains("logits [3, 10]"), "\(predicted.stdout)")
            let reference = dir.appendingPathComponent("torchvision.safetensors")
            try runPythonOracle("scripts/interop/torchvision_resnet.py", ["forward", "--weights", model, "--input", images.path, "--output", reference.path])
            let ours = try PredictCLITests.logits(logits), theirs = try PredictCLITests.logits(reference)
            #expect(ours.count == 30 && ours.allSatisfy(\.isFinite))
            let worst = zip(ours, theirs).map { abs($0 - $1) }.max() ?? .infinity
            #expect(worst < 1e-4, "largest logit difference from torchvision \(worst)")

            let report = dir.appendingPathComponent("e.json")
            let evaluated = try runProcess(deat, ["eval", model, "--attacks", "fgsm,pgd-2", "--n", "4", "--batch-size", "4", "--report", report.path] + dataset)
            #expect(evaluated.status == 0, "\(evaluated.stderr)")
            #expect(FileManager.default.fileExists(atPath: report.path))

            let analysis = dir.appendingPathComponent("a.json")
            let analysed = try runProcess(deat, ["analyze", model, "--n", "2", "--batch-size", "2", "--pgd-steps", "1", "--power-iterations", "1",
                                                 "--out", analysis.path] + dataset)
            #expect(analysed.status == 0, "\(analysed.stderr)")
            #expect(FileManager.default.fileExists(atPath: analysis.path))
        }
    }
}
