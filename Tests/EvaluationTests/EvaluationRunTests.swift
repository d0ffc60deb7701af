// `deat eval` as a library call (EvaluationRun), in-process: defaults taken from the checkpoint's
// metadata, the report written where asked, a finished evaluation resumed from its state file with
// the same figures, and a model that does not fit the data refused before any attack runs.
import Attacks
import DataFormats
import Evaluation
import Foundation
import Models
import NN
import Testing
import TestSupport
import Torch

@Suite("EvaluationRun (deat eval in-process)", .enabled(if: fashionMNISTAvailable, fashionMNISTMissing))
struct EvaluationRunTests {
    /// An untrained SmallCNN checkpoint whose metadata names Fashion-MNIST and ε = 0.1.
    static func checkpoint(in dir: URL) throws -> URL {
        let url = dir.appendingPathComponent("m.safetensors")
        let model = try SmallCNN(generator: Generator(seed: 3))
        let metadata = CheckpointMetadata(
            model: "small-cnn", classes: 10, dataset: "fashion-mnist", normalizeMean: model.normalize.mean,
            normalizeStd: model.normalize.std, method: "standard", epsilon: 0.1, epoch: 1)
        try Checkpoint.save(model, metadata: metadata, to: url)
        return url
    }

    static func settings(_ model: URL) -> EvaluationSettings {
        var settings = EvaluationSettings(modelFile: model)
        (settings.attacks, settings.count, settings.batchSize) = ("fgsm,pgd-3", 24, 8)
        settings.dataDirectory = URL(fileURLWithPath: debianFashionMNIST)
        return settings
    }

    @Test("dataset and ε come from the checkpoint; the report is written beside it and reruns resume to the same figures")
    func runAndResume() throws {
        try withTemporaryDirectory { dir in
            let model = try Self.checkpoint(in: dir)
            let run = try EvaluationRun(Self.settings(model), device: .cpu)
            #expect(run.dataset == .fashionMNIST)
            #expect(run.epsilon.value == 0.1 && run.epsilon.text == "0.1")
            #expect(run.attacks.map(\.name) == ["fgsm", "pgd-3"])
            #expect(run.images.shape == [24, 1, 28, 28])
            #expect(run.reportFile == dir.appendingPathComponent("m.eval.json"))
            let first = try run.run()
            #expect(!first.resumed)
            #expect(first.report.n == 24)
            #expect(first.report.robustAccuracy <= first.report.cleanAccuracy)
            #expect(first.report.stages.map(\.name) == ["fgsm", "pgd-3"])
            let written = try JSONSerialization.jsonObject(with: Data(contentsOf: run.reportFile)) as? [String: Any]
            #expect(written?["robust_accuracy"] as? Double == first.report.robustAccuracy)
            let again = try EvaluationRun(Self.settings(model), device: .cpu).run()
            #expect(again.resumed)
            #expect(again.report.robustAccuracy == first.report.robustAccuracy)
        }
    }

    @Test("a model that does not fit the data is refused before any attack runs, naming both")
    func mismatchRefused() throws {
        try withTemporaryDirectory { dir in
            let model = try Self.checkpoint(in: dir)
            var settings = Self.settings(model)
            settings.dataset = .cifar10
            settings.dataDirectory = dir  // no CIFAR files either: the dataset is read first
            #expect { try EvaluationRun(settings, device: .cpu) } throws: { error in
                "\(error)".contains("CIFAR-10")
            }
            #expect(!FileManager.default.fileExists(atPath: dir.appendingPathComponent("m.eval.json").path))
        }
    }

    @Test("a state file of an earlier deat (no pass counts) is refused with the way out, and --fresh starts over")
    func earlierStateRefused() throws {
        try withTemporaryDirectory { dir in
            let model = try Self.checkpoint(in: dir)
            let run = try EvaluationRun(Self.settings(model), device: .cpu)
            // The fields an earlier deat wrote: a fingerprint and flags, no passes.
            let earlier = #"{"fingerprint":"x","clean":[true],"robust":[true],"completed":[],"currentDone":0}"#
            try Data(earlier.utf8).write(to: run.stateFile)
            #expect { try run.run() } throws: { error in
                "\(error)".contains("written by an earlier deat") && "\(error)".contains("--fresh")
            }
            var fresh = Self.settings(model)
            fresh.fresh = true
            #expect(try EvaluationRun(fresh, device: .cpu).run().report.n == 24)
        }
    }
}
