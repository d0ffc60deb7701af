// The M+ rule on scripted epoch sums: it raises the count exactly when docs/methods.md says.
import Foundation
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

    @Test("endEpoch reports the decision it took, with the figures it took it from")
    func decisions() {
        var c = MPlusController.deat(gamma: 1.5, maximum: 3)
        c.accumulate(10)
        #expect(c.endEpoch() == .warmup(sum: 10, count: 2))
        c.accumulate(100)
        #expect(c.endEpoch() == .referenceSet(sum: 100, gamma: 1.5, reference: 150, count: 2))
        c.accumulate(149)
        #expect(c.endEpoch() == .held(sum: 149, reference: 150, count: 2))
        c.accumulate(151)
        #expect(c.endEpoch() == .raised(sum: 151, reference: 150, exceeded: true, from: 2, newReference: 226.5))
        c.accumulate(1000)
        #expect(c.endEpoch() == .atMaximum(sum: 1000, maximum: 3))
        var steps = MPlusController.attackSteps(gamma: 1.5, maximum: 4, minimumBudget: .init(stepSize: 0.25, epsilon: 1))
        steps.accumulate(1); steps.endEpoch()
        steps.accumulate(10); steps.endEpoch()
        steps.accumulate(1)
        #expect(steps.endEpoch() == .raised(sum: 1, reference: 15, exceeded: false, from: 1, newReference: 1.5))
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

    /// The M+ controller `deat train --method <method> --magnitude-source <source>` builds with the
    /// CIFAR-10 defaults (α = 2/255 for the attack-step methods, ε = 8/255).
    func controller(_ method: MethodName, _ source: MagnitudeSource) throws -> MPlusController {
        var config = TrainingConfig.defaults(method: method, dataset: .cifar10)
        config.magnitudeSource = source
        guard case .mPlus(let c) = method.make(config: config).policy else {
            throw TrainingError("\(method.rawValue) has no M+ policy")
        }
        return c
    }

    /// [(count, epochs)] spelled out epoch by epoch.
    func counts(_ runs: [(Int, Int)]) -> [Int] {
        runs.flatMap { Array(repeating: $0.0, count: $0.1) }
    }

    /// The MG columns of the four 2021 Table-1 logs of the M+ methods, one sum per epoch
    /// (Fixtures/reference_magnitudes.json, scripts/fixtures/gen_reference_magnitudes.py).
    func loggedSums() throws -> [String: [Double]] {
        struct File: Decodable { let magnitudeSums: [String: [Double]] }
        let url = try #require(Bundle.module.url(forResource: "reference_magnitudes", withExtension: "json", subdirectory: "Fixtures"))
        let decoder = JSONDecoder()
        decoder.keyDecodingStrategy = .convertFromSnakeCase
        return try decoder.decode(File.self, from: Data(contentsOf: url)).magnitudeSums
    }

    /// Each M+ method with its logged sums and the counts its log shows: the epoch times are
    /// ≈ a constant × count (docs/methods.md §1.4, §2.2).
    func loggedRuns() throws -> [(MethodName, [Double], [Int])] {
        let sums = try loggedSums()
        let logged: [(MethodName, [Int])] = [
            (.mplusDEAT, counts([(1, 1), (2, 2), (3, 5), (4, 19), (5, 2), (6, 13), (7, 2), (8, 6)])),
            (.mplusPGD, counts([(0, 1), (1, 2), (2, 1), (3, 1), (4, 45)])),
            (.mplusMART, counts([(0, 1), (1, 2), (2, 1), (3, 1), (4, 16), (5, 1), (6, 16), (7, 12)])),
            (.mplusTRADES, counts([(0, 1), (1, 2), (2, 1), (3, 1), (4, 10), (5, 1), (6, 11), (7, 3), (8, 4), (9, 5), (10, 11)])),
        ]
        return try logged.map { method, counts in
            let m = try #require(sums[method.rawValue], "\(method.rawValue) missing from the fixture")
            #expect(m.count == 50)
            return (method, m, counts)
        }
    }

    @Test("last-attack-step on the four 2021 logs' magnitude sums gives the counts those runs logged")
    func tableOneRuns() throws {
        for (method, sums, logged) in try loggedRuns() {
            #expect(trajectory(try controller(method, .lastAttackStep), sums: sums) == logged, "\(method.rawValue)")
        }
    }

    @Test("training-loss on the same sums gives the reference HEAD's counts: the rule without the n·α < ε clause")
    func headRuns() throws {
        // Derived by hand from the rule of docs/methods.md §2.2 without the clause (γ = 1.01):
        // - M+PGD: ref = 1.01·M(1) = 1.01·3346.28 = 3379.75. No later sum exceeds it (the largest is
        //   M(2) = 3304.21, the rest ≤ 2866.12), and nothing else raises n: 0, then 1 for epochs 1–49.
        // - M+MART: ref = 1.01·5.5334 = 5.5887; M(2) = 5.7659 exceeds it, so n = 2 from epoch 3 and
        //   ref = 1.01·5.7659 = 5.8236, which no later sum reaches (the largest is M(3) = 4.4659):
        //   0, 1, 1, then 2 for epochs 3–49.
        // - M+TRADES: every rise the clause forced in 2021 was also a magnitude rise (M(2) = 0.818 >
        //   0.681, M(3) = 46.68 > 0.827, M(4) = 52.05 > 47.15), and from n = 4 on (epoch 5) n·α ≥ ε
        //   switches the clause off anyway: the logged trajectory.
        // - M+DEAT never had the clause and does not depend on the magnitude source: the logged one.
        let head: [MethodName: [Int]] = [
            .mplusPGD: counts([(0, 1), (1, 49)]),
            .mplusMART: counts([(0, 1), (1, 2), (2, 47)]),
        ]
        for (method, sums, logged) in try loggedRuns() {
            let expected = head[method] ?? logged
            #expect(trajectory(try controller(method, .trainingLoss), sums: sums) == expected, "\(method.rawValue)")
        }
        #expect(try controller(.mplusPGD, .trainingLoss).minimumBudget == nil)
        #expect(try controller(.mplusPGD, .lastAttackStep).minimumBudget == .init(stepSize: 2.0 / 255, epsilon: 8.0 / 255))
    }

    @Test("iteration policies: fixed, linear (DEAT-d) and M+ through the same interface")
    func policies() {
        #expect((0..<4).map { IterationPolicy.fixed(7).count(epoch: $0) } == [7, 7, 7, 7])
        #expect((0..<12).map { IterationPolicy.linear(every: 3, maximum: 3).count(epoch: $0) } == [1, 1, 1, 2, 2, 2, 3, 3, 3, 3, 3, 3])
        var p = IterationPolicy.mPlus(.deat())
        #expect(p.count(epoch: 0) == 1)
        p.accumulate(5)
        p.endEpoch(trainingAccuracy: 0)
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
