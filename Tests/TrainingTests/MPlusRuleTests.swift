// The M+ rule on scripted epoch sums: it raises the count exactly when docs/methods.md says.
import Testing
@testable import Training

@Suite("M+ rule")
struct MPlusRuleTests {
    /// Drives a controller through per-epoch sums and returns the count used in each epoch.
    func trajectory(_ controller: MPlusController, sums: [Double]) -> [Int] {
        var c = controller
        var counts: [Int] = []
        for m in sums {
            counts.append(c.count)
            c.accumulate(m / 2)  // two minibatches per epoch: the rule sees their sum
            c.accumulate(m / 2)
            c.endEpoch()
        }
        return counts
    }

    @Test("M+DEAT reproduces the Table-1 trajectory r = 1, 2×2, 3×5, 4×19, 5×2, 6×13, 7×2, 8×6 (docs/methods.md §1.4)")
    func deatTrajectory() {
        // The logged sums where the spec gives them; elsewhere values just under the reference.
        var sums = [Double](repeating: 0, count: 50)
        sums[0] = 2000
        sums[1] = 2829.72  // → ref 2858.0
        sums[2] = 2977.35  // > 2858.0 → r = 3, ref 3007.1
        for e in 3...6 { sums[e] = 3000 }
        sums[7] = 3028.75  // → r = 4, ref 3059.0
        for e in 8...25 { sums[e] = 3050 }
        sums[26] = 3189.18  // → r = 5, ref 3221.1
        sums[27] = 3200
        sums[28] = 3236.20  // → r = 6, ref 3268.6
        for e in 29...40 { sums[e] = 3260 }
        sums[41] = 3303.09  // → r = 7, ref 3336.1
        sums[42] = 3320
        sums[43] = 3346.04  // → r = 8
        for e in 44...49 { sums[e] = 5000 }  // above any reference, but r is capped at 8
        let expected = [1] + [Int](repeating: 2, count: 2) + [Int](repeating: 3, count: 5) + [Int](repeating: 4, count: 19)
            + [5, 5] + [Int](repeating: 6, count: 13) + [7, 7] + [Int](repeating: 8, count: 6)
        #expect(trajectory(.deat(gamma: 1.01, maximum: 8), sums: sums) == expected)
        #expect(expected.reduce(0, +) == 246)  // replay-epochs; FREE-8 uses 400
    }

    @Test("the reference is set after epoch 1 and moves only when the count rises")
    func referenceBookkeeping() {
        var c = MPlusController.deat(gamma: 1.5, maximum: 4)
        c.accumulate(10); c.endEpoch()
        #expect(c.count == 2 && c.reference == nil)
        c.accumulate(100); c.endEpoch()
        #expect(c.reference == 150 && c.count == 2)
        c.accumulate(149); c.endEpoch()
        #expect(c.reference == 150 && c.count == 2)
        c.accumulate(151); c.endEpoch()
        #expect(c.reference == 226.5 && c.count == 3)
        #expect(c.epochSum == 0 && c.epochsCompleted == 4)
    }

    @Test("M+PGD with the n·α < ε clause: n = 0 / 1–2 / 3 / 4 / 5+ is 0, 1, 2, 3, 4 without any rise in magnitude")
    func attackStepsBudget() {
        let controller = MPlusController.attackSteps(
            gamma: 1.01, maximum: 7, minimumBudget: .init(stepSize: 2.0 / 255, epsilon: 8.0 / 255))
        let sums = [0.0] + [Double](repeating: 100, count: 9)  // flat magnitude: only the clause raises n
        #expect(trajectory(controller, sums: sums) == [0, 1, 1, 2, 3, 4, 4, 4, 4, 4])
    }

    @Test("without the clause a flat magnitude never raises n, and the cap holds under growth")
    func attackStepsCap() {
        let flat = MPlusController.attackSteps(gamma: 1.01, maximum: 3)
        #expect(trajectory(flat, sums: [Double](repeating: 100, count: 8)) == [0, 1, 1, 1, 1, 1, 1, 1])
        let growing = MPlusController.attackSteps(gamma: 1.01, maximum: 3)
        #expect(trajectory(growing, sums: (0..<8).map { 100 * pow(1.1, Double($0)) }) == [0, 1, 1, 2, 3, 3, 3, 3])
    }

    @Test("iteration policies: fixed, linear (DEAT-d) and M+ through the same interface")
    func policies() {
        #expect((0..<4).map { IterationPolicy.fixed(7).count(epoch: $0) } == [7, 7, 7, 7])
        #expect((0..<12).map { IterationPolicy.linear(every: 3, maximum: 3).count(epoch: $0) } == [1, 1, 1, 2, 2, 2, 3, 3, 3, 3, 3, 3])
        var p = IterationPolicy.mPlus(.deat())
        #expect(p.count(epoch: 0) == 1)
        p.accumulate(5)
        p.endEpoch()
        #expect(p.count(epoch: 1) == 2)
    }

    @Test("the controller round-trips through JSON exactly (resume makes the same decisions)")
    func codable() throws {
        var c = MPlusController.deat()
        c.accumulate(0.1 + 0.2); c.endEpoch(); c.accumulate(1 / 3.0); c.endEpoch(); c.accumulate(0.7)
        let data = try JSONEncoder().encode(IterationPolicy.mPlus(c))
        #expect(try JSONDecoder().decode(IterationPolicy.self, from: data) == .mPlus(c))
    }
}

import Foundation
