// Passes through the model, counted where the model is called (docs/attacks.md §10.5): PGD-K makes
// K + 1 forwards and K backwards per point, an early stop makes fewer, the evaluator adds one clean
// forward per point and one verification forward per attacked point, later attacks only pay for
// the points still robust. That the counts survive a resume is checked with the resume itself
// (RobustAccuracyTests.resume).
import Attacks
import Foundation
import NN
import Testing
import TestSupport
import Torch
@testable import Evaluation

@Suite("Pass accounting")
struct PassCountTests {
    let (model, x, y): (Sequential, Tensor, Tensor)

    init() throws {
        (model, x, y) = try twoThirdsCorrect()  // 20 of 30 correct
    }

    @Test("PGD-K on B points: (K + 1)·B forwards and K·B backwards, whatever the batch")
    func pgdFormula() throws {
        for steps in [1, 3, 7] {
            let pgd = PGD(epsilon: 0.05, stepSize: 0.02, steps: steps)
            let (_, passes) = try ModelPasses.count {
                try pgd.perturb(model: PassCountingLayer(model), images: x, labels: y, generator: Generator(seed: 0))
            }
            #expect(passes == PassCount(forwards: (steps + 1) * 30, backwards: steps * 30), "K = \(steps)")
        }
    }

    @Test("early-stopped PGD on points misclassified from the start stops after one gradient: B forwards, B backwards")
    func earlyStopFormula() throws {
        let wrong = try withNoGrad { try (model(x).argmax(dim: 1) + 1).remainder(10) }
        var pgd = PGD(epsilon: 0.05, stepSize: 0.02, steps: 10)
        pgd.earlyStop = true
        let (_, passes) = try ModelPasses.count {
            try pgd.perturb(model: PassCountingLayer(model), images: x, labels: wrong, generator: Generator(seed: 0))
        }
        // Step 0 takes the gradient, finds every point misclassified, freezes all and returns:
        // neither the other 9 steps nor the final check run.
        #expect(passes == PassCount(forwards: 30, backwards: 30))
    }

    @Test("the evaluator: N clean forwards, then per stage the attack's passes on the still-robust points plus one verification forward each")
    func evaluatorTotals() throws {
        let steps = 4
        let attacks: [any Attack] = [PGD(epsilon: 0.05, stepSize: 0.02, steps: steps), FGSM(epsilon: 0.05)]
        let result = try RobustnessEvaluator(model: model, attacks: attacks, epsilon: 0.05, batchSize: 7).run(images: x, labels: y)
        #expect(result.cleanPasses == PassCount(forwards: 30))
        let pgd = result.attacks[0], fgsm = result.attacks[1]
        #expect(pgd.attacked == 20)  // the 10 misclassified clean points are never attacked
        #expect(pgd.passes == PassCount(forwards: (steps + 1) * 20, backwards: steps * 20))
        #expect(pgd.verificationForwards == 20)
        // FGSM runs only on what PGD left robust: one forward and one backward each.
        #expect(fgsm.attacked == pgd.robustAfter)
        #expect(fgsm.passes == PassCount(forwards: pgd.robustAfter, backwards: pgd.robustAfter))
        #expect(fgsm.verificationForwards == pgd.robustAfter)
        #expect(result.passes == PassCount(forwards: 30 + (steps + 2) * 20 + 2 * pgd.robustAfter, backwards: steps * 20 + pgd.robustAfter))
    }

    @Test("counts nest: an enclosing count holds the sum of the counts inside it")
    func nesting() throws {
        let counted = PassCountingLayer(model)
        let (inner, outer) = try ModelPasses.count {
            _ = try counted(x)
            return try ModelPasses.count { _ = try counted(x.narrowed(dim: 0, start: 0, length: 5)) }.passes
        }
        #expect(inner == PassCount(forwards: 5))
        #expect(outer == PassCount(forwards: 35))
    }
}
