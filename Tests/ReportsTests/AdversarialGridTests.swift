// The report's grid of saved adversarial examples (docs/attacks.md §10.6): drawn from a
// --save-adversarial file named in an eval report, only for points an attack broke, with the
// perturbation magnified so that +ε is white and −ε black, inline and self-contained.
import Attacks
import Foundation
import Models
import NN
import Testing
import TestSupport
import Torch
@testable import Evaluation
@testable import Reports

@Suite("Adversarial grid in the HTML report")
struct AdversarialGridTests {
    @Test("the report draws clean, adversarial and ±ε-magnified perturbation for each broken point, with its classes")
    func grid() throws {
        try withTemporaryDirectory { dir in
            let model = try SmallCNN(generator: Generator(seed: 3))
            model.eval()
            // Clean pixels 102/255 (exact as bytes); the adversarial image is +ε at pixel (0, 0), −ε elsewhere.
            let clean = try Tensor.full([4, 1, 28, 28], 102.0 / 255)
            let sign = try Tensor.full([4, 1, 28, 28], -1.0).scattered(
                dim: 3, indices: Tensor.zeros([4, 1, 28, 1], dtype: .int64), value: 1.0)
            let adversarial = try clean + sign * 0.1
            let labels = try Tensor([Int64(0), 1, 2, 3], shape: [4])
            let predictions = try AdversarialFile.write(
                images: adversarial, clean: clean, labels: labels, brokenBy: [0, -1, 1, -1], attackNames: ["pgd-3", "fgsm"],
                model: model, norm: .linf, epsilon: 0.1, batchSize: 3, metadata: ["epsilon": "0.1"],
                to: dir.appendingPathComponent("adv.safetensors"))
            let result = EvaluationResult(
                n: 4, clean: 4, robust: 2, attacks: [], cleanFlags: [true, true, true, true], robustFlags: [false, true, false, true],
                resumed: false, cleanPasses: PassCount(forwards: 4), brokenBy: [0, -1, 1, -1])
            var report = EvaluationReport(
                result: result, model: "m.safetensors", dataset: "mnist", split: "test", norm: "Linf", epsilon: 0.1, epsilonText: "0.1",
                attackSet: "pgd-3,fgsm", seed: 0, device: "cpu", dtype: "float32", threads: 1, batchSize: 3, flags: [], totalSeconds: 1,
                deatVersion: "0.1.0", labels: [0, 1, 2, 3])
            report.adversarialFile = "/elsewhere/adv.safetensors"  // found beside the report all the same
            try report.json().write(to: dir.appendingPathComponent("m.eval.json"))

            let page = try HTMLReport(directories: [dir]).html()
            #expect(page.contains("Adversarial examples"))
            #expect(page.contains("#0: class 0 → \(predictions[0])<br>broken by pgd-3"))
            #expect(page.contains("#2: class 2 → \(predictions[2])<br>broken by fgsm"))
            #expect(!page.contains("#1: class") && !page.contains("#3: class"))  // not broken: not drawn
            #expect(page.components(separatedBy: "<svg").count - 1 == 6)  // 2 points × 3 pictures
            let grid = try AdversarialGrid(file: dir.appendingPathComponent("adv.safetensors"))
            let html = grid.html()
            // 0.5 + δ/(2ε): +ε → 1 (white), −ε → 0 (black); the clean 102/255 stays #666666.
            #expect(html.contains("<rect x=\"0\" y=\"0\" width=\"1\" height=\"1\" fill=\"#ffffff\"/>"))
            #expect(html.contains("<rect x=\"1\" y=\"0\" width=\"1\" height=\"1\" fill=\"#000000\"/>"))
            #expect(html.contains("fill=\"#666666\""))
            #expect(!page.contains("src=") && !page.contains("href=\"http"))  // self-contained
        }
    }
}
