// The evaluator of docs/attacks.md §1: point-wise worst case over attacks, denominator N, later
// attacks only on still-robust points, admissibility re-checked, resumable after a kill
// (docs/attacks.md §10.4).
import Attacks
import Foundation
import NN
import Testing
import TestSupport
import Torch
@testable import Evaluation

/// A tiny model for evaluator tests.
func smallNet(seed: UInt64 = 0) throws -> Sequential {
    let g = try Generator(seed: seed)
    return Sequential([try Conv2d(1, 4, kernelSize: 3, stride: 2, padding: 1, generator: g), ReLU(), Flatten(), try Linear(64, 10, generator: g)])
}

/// `smallNet()` and 30 random 8×8 images whose labels it gets right for the first 20 and wrong for the rest.
func twoThirdsCorrect() throws -> (model: Sequential, images: Tensor, labels: Tensor) {
    let net = try smallNet()
    let images = try Tensor.rand([30, 1, 8, 8], generator: Generator(seed: 1))
    let predicted = try withNoGrad { try net(images).argmax(dim: 1) }
    return (net, images, try Tensor.where(Tensor.arange(0, 30).lt(20), predicted, (predicted + 1).remainder(10)))
}

/// Runs `evaluator` (which must have a state file) until it is killed after its `killAfter`-th batch,
/// then again to the end: the state the kill left and the resumed result.
func killedAndResumed(
    _ evaluator: RobustnessEvaluator, killAfter: Int, images: Tensor, labels: Tensor
) throws -> (saved: EvaluationState, resumed: EvaluationResult) {
    struct Killed: Error {}
    var evaluator = evaluator
    var batches = 0
    evaluator.afterBatch = { batches += 1; if batches == killAfter { throw Killed() } }
    #expect(throws: Killed.self) { try evaluator.run(images: images, labels: labels) }
    let stateFile = try #require(evaluator.stateFile)
    let saved = try #require(try EvaluationState.load(stateFile))
    evaluator.afterBatch = nil
    return (saved, try evaluator.run(images: images, labels: labels))
}

/// An attack that returns x + 2ε: never admissible.
struct Cheater: Attack {
    let epsilon: Double
    var name: String { "cheater" }
    var parameters: [String: String] { [:] }
    func perturb(model: any Layer, images: Tensor, labels: Tensor, mode: ModelMode, generator: Generator) throws -> Tensor {
        try (images + 2 * epsilon).clamped(min: 0, max: 1)
    }
}

@Suite("Robust accuracy evaluator")
struct RobustAccuracyTests {
    let x: Tensor
    let y: Tensor
    let model: Sequential

    init() throws {
        (model, x, y) = try twoThirdsCorrect()
    }

    @Test("clean and robust accuracy over all N; cumulative per attack; equal to the union of per-attack breaks")
    func worstCase() throws {
        let eps = 0.08
        let a = PGD(epsilon: eps, stepSize: 0.02, steps: 3, randomStart: false)
        let b = FGSM(epsilon: eps)
        let result = try RobustnessEvaluator(model: model, attacks: [a, b], epsilon: eps, batchSize: 7).run(images: x, labels: y)
        #expect(result.n == 30 && result.clean == 20)
        #expect(result.attacks[0].attacked == 20)
        #expect(result.attacks[1].attacked == result.attacks[0].robustAfter)
        #expect(result.attacks[1].robustAfter <= result.attacks[0].robustAfter)
        #expect(result.robust == result.attacks[1].robustAfter && result.robust <= result.clean)
        // Independent check: a point is robust iff clean-correct and neither attack breaks it alone.
        let g = try Generator(seed: 0)
        let brokenA = try withNoGrad { try model(a.perturb(model: model, images: x, labels: y, generator: g)).argmax(dim: 1).ne(y) }
        let brokenB = try withNoGrad { try model(b.perturb(model: model, images: x, labels: y, generator: g)).argmax(dim: 1).ne(y) }
        let clean = try withNoGrad { try model(x).argmax(dim: 1).eq(y) }
        let expected = try clean.logicalAnd(brokenA.logicalOr(brokenB).logicalNot()).sum().item()
        #expect(Double(result.robust) == expected)
        #expect(result.attacks.allSatisfy { $0.inadmissible == 0 && !$0.hasNaN && $0.maxPerturbation <= eps + 1e-6 })
    }

    @Test("images outside the ε-ball are never counted as broken, and are reported")
    func admissibility() throws {
        let result = try RobustnessEvaluator(model: model, attacks: [Cheater(epsilon: 0.1)], epsilon: 0.1, batchSize: 8).run(images: x, labels: y)
        #expect(result.robust == result.clean)
        #expect(result.attacks[0].inadmissible > 0)
    }

    @Test("a killed evaluation resumes from its state file and gives the uninterrupted result, passes included; a changed setup is refused")
    func resume() throws {
        let attacks: [any Attack] = [PGD(epsilon: 0.05, stepSize: 0.02, steps: 2), Square(epsilon: 0.05, queries: 10)]
        let reference = try RobustnessEvaluator(model: model, attacks: attacks, epsilon: 0.05, batchSize: 4, seed: 3).run(images: x, labels: y)
        try withTemporaryDirectory { dir in
            let state = dir.appendingPathComponent("eval.state")
            let evaluator = RobustnessEvaluator(model: model, attacks: attacks, epsilon: 0.05, batchSize: 4, seed: 3, stateFile: state)
            // Dies inside the second attack.
            let (saved, resumed) = try killedAndResumed(evaluator, killAfter: 7, images: x, labels: y)
            #expect(saved.completed.count == 1 && saved.currentDone > 0)
            #expect(resumed.resumed)
            #expect(resumed.robustFlags == reference.robustFlags)
            #expect(resumed.attacks.map(\.robustAfter) == reference.attacks.map(\.robustAfter))
            // The passes of the batches before the kill come from the state file (docs/attacks.md §10.5).
            #expect(resumed.cleanPasses == reference.cleanPasses)
            #expect(resumed.attacks.map(\.passes) == reference.attacks.map(\.passes))
            #expect(resumed.attacks.map(\.verificationForwards) == reference.attacks.map(\.verificationForwards))
            #expect(resumed.passes == reference.passes && reference.passes.backwards > 0)
            let other = RobustnessEvaluator(model: model, attacks: attacks, epsilon: 0.06, batchSize: 4, seed: 3, stateFile: state)
            #expect(throws: EvaluationError.self) { try other.run(images: x, labels: y) }
        }
    }

    @Test("the evaluator runs in eval mode, restores train mode and leaves parameter grads alone")
    func modes() throws {
        model.train()
        _ = try RobustnessEvaluator(model: model, attacks: [PGD(epsilon: 0.05, stepSize: 0.02, steps: 2)], epsilon: 0.05).run(images: x, labels: y)
        #expect(model.training)
        for p in model.parameters() { #expect(try p.grad == nil) }
    }

    @Test("the report has RobustBench-like fields, snake_case JSON, and a table with every stage")
    func report() throws {
        let result = try RobustnessEvaluator(model: model, attacks: [FGSM(epsilon: 0.1)], epsilon: 0.1, batchSize: 8).run(images: x, labels: y)
        let r = EvaluationReport(
            result: result, model: "m.safetensors", dataset: "fashion-mnist", split: "test", norm: "Linf", epsilon: 0.1,
            epsilonText: "0.1", attackSet: "fgsm", seed: 0, device: "cpu", dtype: "float32", threads: 1, batchSize: 8,
            flags: [SanityFlag("x", "y")], totalSeconds: 1, deatVersion: "0.1.0")
        let json = String(decoding: try r.json(), as: UTF8.self)
        for key in ["\"clean_accuracy\"", "\"robust_accuracy\"", "\"stages\"", "\"epsilon_text\"", "\"deat_version\"", "\"seed\"", "\"flags\""] {
            #expect(json.contains(key), "\(key)")
        }
        #expect(try EvaluationReport.decode(r.json()).n == 30)
        #expect(r.table().contains("fgsm") && r.table().contains("clean"))
    }
}
