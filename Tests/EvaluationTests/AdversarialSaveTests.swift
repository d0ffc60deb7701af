// `deat eval --save-adversarial` (docs/attacks.md §10.6): every saved image lies in the ε-ball
// around its clean test image and in [0, 1], a reload re-predicts the recorded predictions, the
// attack named for each point is the one that broke it, the images survive a killed and resumed
// evaluation, and the report carries the RobustBench fields of §11.
import Attacks
import DataFormats
import Foundation
import Models
import NN
import Testing
import TestSupport
import Torch
@testable import Evaluation

@Suite("Saved adversarial images", .enabled(if: fashionMNISTAvailable, fashionMNISTMissing))
struct AdversarialSaveTests {
    @Test("saved images lie in the ε-ball and [0, 1], and reloading them reproduces the recorded predictions")
    func saveAndReload() throws {
        try withTemporaryDirectory { dir in
            let modelFile = try EvaluationRunTests.checkpoint(in: dir)
            var settings = EvaluationRunTests.settings(modelFile)
            settings.adversarialFile = dir.appendingPathComponent("adv.safetensors")
            // An untrained model gets few points right; 100 points at ε = 0.3 give attacks some to break.
            (settings.count, settings.epsilon) = (100, Epsilon(text: "0.3"))
            let run = try EvaluationRun(settings, device: .cpu)
            let report = try run.run().report
            #expect(report.adversarialFile == settings.adversarialFile?.relativePath)

            let file = try Checkpoint.read(dir.appendingPathComponent("adv.safetensors"))
            func tensor(_ name: String) throws -> Tensor { try Checkpoint.tensor(#require(file[name]), source: name) }
            let images = try tensor("images"), labels = try tensor("labels"), indices = try tensor("indices")
            let brokenBy = try tensor("broken_by").ints(), predictions = try tensor("predictions")
            #expect(images.shape == [100, 1, 28, 28] && images.dtype == .float32)
            #expect(labels.dtype == .int64 && predictions.dtype == .int64)
            #expect(try indices.ints() == Array(0..<100))
            #expect(try labels.ints() == run.labels.ints())
            // In the ε-ball around the clean test image, and in the box.
            let delta = try (images - run.images).abs().max().item()
            #expect(delta <= 0.3 + 1e-6)
            #expect(try images.min().item() >= 0 && images.max().item() <= 1)
            // A fresh model from the checkpoint predicts what the file recorded.
            let (network, _, _) = try loadModel(from: modelFile, device: .cpu)
            network.eval()
            let again = try withNoGrad { try network(images).argmax(dim: 1) }
            #expect(try again.ints() == predictions.ints())
            // broken_by names an attack exactly for the points it broke: clean-correct, now wrong.
            let names = try JSONDecoder().decode([String].self, from: Data(#require(file.metadata["attacks"]).utf8))
            #expect(names == ["fgsm", "pgd-3"])
            let result = try predictions.ints(), truth = try labels.ints()
            let cleanCorrect = try withNoGrad { try network(run.images).argmax(dim: 1).eq(run.labels).ints() }
            for i in 0..<100 {
                #expect((brokenBy[i] >= 0) == (cleanCorrect[i] != 0 && result[i] != truth[i]), "point \(i)")
            }
            #expect(brokenBy.contains { $0 >= 0 })  // otherwise the ε-ball check above proves nothing
            #expect(brokenBy.filter { $0 >= 0 }.count == Int((report.cleanAccuracy - report.robustAccuracy) * 100 + 0.5))
        }
    }

    @Test("a killed evaluation that keeps its images resumes with the images of the uninterrupted run")
    func resumeKeepsImages() throws {
        struct Killed: Error {}
        let net = try smallNet()
        let x = try Tensor.rand([30, 1, 8, 8], generator: Generator(seed: 1))
        let y = try withNoGrad { try net(x).argmax(dim: 1) }
        let attacks: [any Attack] = [PGD(epsilon: 0.1, stepSize: 0.03, steps: 3), FGSM(epsilon: 0.1)]
        var reference = RobustnessEvaluator(model: net, attacks: attacks, epsilon: 0.1, batchSize: 4, seed: 5)
        reference.keepAdversarial = true
        let (expected, expectedImages) = try reference.runKeepingAdversarial(images: x, labels: y)
        try withTemporaryDirectory { dir in
            var evaluator = reference
            evaluator.stateFile = dir.appendingPathComponent("e.state")
            var batches = 0
            evaluator.afterBatch = { batches += 1; if batches == 5 { throw Killed() } }
            #expect(throws: Killed.self) { try evaluator.runKeepingAdversarial(images: x, labels: y) }
            evaluator.afterBatch = nil
            let (result, images) = try evaluator.runKeepingAdversarial(images: x, labels: y)
            #expect(result.resumed && result.brokenBy == expected.brokenBy && expected.brokenBy.contains { $0 >= 0 })
            #expect(try (#require(images) - #require(expectedImages)).abs().max().item() == 0)
            // A state recorded without the images cannot produce them.
            var plain = reference
            plain.keepAdversarial = false
            plain.stateFile = dir.appendingPathComponent("plain.state")
            _ = try plain.run(images: x, labels: y)
            plain.keepAdversarial = true
            #expect(throws: EvaluationError.self) { try plain.runKeepingAdversarial(images: x, labels: y) }
        }
    }

    @Test("per-class accuracy counts each class's own points; autoattack_acc only for unreduced AutoAttack standard")
    func perClassAndRobustBench() throws {
        let outcome = AttackOutcome(
            name: "fgsm", parameters: [:], attacked: 3, broken: 1, robustAfter: 2, inadmissible: 0, maxPerturbation: 0, hasNaN: false,
            minValue: 0, maxValue: 1, seconds: 0, passes: PassCount(forwards: 3, backwards: 3), verificationForwards: 3)
        // Labels 0 0 1 1 2: clean correct at 0, 1, 2, 4; point 2 broken.
        let result = EvaluationResult(
            n: 5, clean: 4, robust: 3, attacks: [outcome], cleanFlags: [true, true, true, false, true],
            robustFlags: [true, true, false, false, true], resumed: false, cleanPasses: PassCount(forwards: 5), brokenBy: [-1, -1, 0, -1, -1])
        let report = EvaluationReport(
            result: result, model: "m.safetensors", dataset: "mnist", split: "test", norm: "Linf", epsilon: 0.1, epsilonText: "0.1",
            attackSet: "fgsm", seed: 0, device: "cpu", dtype: "float32", threads: 1, batchSize: 8, flags: [], totalSeconds: 1,
            deatVersion: "0.1.0", labels: [0, 0, 1, 1, 2], modelName: "run/best", architecture: "small-cnn")
        #expect(report.perClass == [
            .init(label: 0, n: 2, cleanAccuracy: 1, robustAccuracy: 1), .init(label: 1, n: 2, cleanAccuracy: 0.5, robustAccuracy: 0),
            .init(label: 2, n: 1, cleanAccuracy: 1, robustAccuracy: 1),
        ])
        #expect(report.forwardPasses == 11 && report.backwardPasses == 3 && report.forwardPassesPerPoint == 2.2)
        let json = try #require(JSONSerialization.jsonObject(with: report.json()) as? [String: Any])
        #expect(json["clean_acc"] as? String == "80.00" && json["robust_acc"] as? String == "60.00")
        #expect(json["threat_model"] as? String == "Linf" && json["eps"] as? String == "0.1" && json["n_examples"] as? Int == 5)
        #expect(json["attack_set_version"] as? String == "custom" && json["autoattack_acc"] == nil)
        #expect(json["model_name"] as? String == "run/best" && json["clean_accuracy"] as? Double == 0.8)
        #expect(AttackSuite.isStandard(try AttackSuite.parse("aa-standard", epsilon: 0.1), epsilon: 0.1))
        var reduced = AttackSuite.Options()
        reduced.squareQueries = 100
        #expect(!AttackSuite.isStandard(try AttackSuite.parse("aa-standard", epsilon: 0.1, options: reduced), epsilon: 0.1))
        #expect(!AttackSuite.isStandard(try AttackSuite.parse("pgd-20,aa-standard", epsilon: 0.1), epsilon: 0.1))
    }
}
