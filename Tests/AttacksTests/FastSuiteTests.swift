// The fast suite's stages (docs/attacks.md §10.7): APGD with early stopping breaks the points plain
// APGD breaks, for fewer passes; and the `fast` name in the attack-list parser.
@testable import Attacks
import NN
import Testing
import TestSupport
import Torch

@Suite("Fast suite: early-stopped APGD and the `fast` list")
struct FastSuiteTests {
    /// The points `attack` breaks on a fresh forward pass, and the passes it made.
    func broken(_ attack: any Attack, _ model: any Layer, _ x: Tensor, _ y: Tensor) throws -> (broken: [Bool], passes: PassCount) {
        let (adv, passes) = try ModelPasses.count {
            try attack.perturb(model: PassCountingLayer(model), images: x, labels: y, generator: Generator(seed: 7))
        }
        try expectAdmissible(adv, x, epsilon: 0.06, attack.name)
        return (try predictedLabels(model, adv).ne(y).ints().map { $0 != 0 }, passes)
    }

    @Test("early-stopped APGD-CE and APGD-T break exactly the points plain APGD breaks with the same seed, for fewer passes")
    func earlyStopKeepsTheBreaks() throws {
        let model = try tinyConvNet(seed: 8)
        let x = try boxImages(40, seed: 9)
        let y = try predictedLabels(model, x)
        var targeted = APGDT(epsilon: 0.06, steps: 15, targets: 3)
        targeted.ranking = .malt
        let plain: [any Attack] = [APGD(epsilon: 0.06, steps: 15), targeted]
        let fast = AttackSuite.fast(epsilon: 0.06, steps: 15)
        for (p, f) in zip(plain, fast) {
            let reference = try broken(p, model, x, y), stopped = try broken(f, model, x, y)
            let count = reference.broken.filter { $0 }.count
            // Some but not all points break, so both the stop and the survivors' runs are exercised.
            #expect(count > 0 && count < 40, "\(p.name) broke \(count) of 40")
            #expect(stopped.broken == reference.broken, "\(p.name)")
            #expect(stopped.passes.forwards < reference.passes.forwards, "\(p.name): \(stopped.passes) vs \(reference.passes)")
            // One backward per forward, besides the driver's forward of the 40 clean images and,
            // in APGD-T, MALT's ranking of the 40 (one forward, 9 backwards each).
            let ranking = p.name == "apgd-t" ? PassCount(forwards: 40, backwards: 9 * 40) : PassCount()
            #expect(stopped.passes.forwards - ranking.forwards == stopped.passes.backwards - ranking.backwards + 40, "\(p.name): \(stopped.passes)")
        }
    }

    @Test("a point misclassified at the start costs one forward and one backward; the others run all steps")
    func startBreaksCostOnePass() throws {
        let model = try tinyConvNet(seed: 8)
        model.eval()  // `run` is called directly, without the mode switch of `perturb`
        let x = try boxImages(12, seed: 9)
        let y = try predictedLabels(model, x)
        // Eight points labelled wrongly (broken at the start), four rightly at ε = 0 (never broken).
        let labels = try Tensor.where(Tensor.arange(0, 12).lt(8), (y + 1).remainder(10), y)
        var apgd = APGD(epsilon: 0, steps: 10)
        apgd.earlyStop = true
        let (_, passes) = try ModelPasses.count {
            try apgd.run(model: PassCountingLayer(model), clean: x, labels: labels, restart: 0, generator: Generator(seed: 1)) { z, live in
                try Losses.crossEntropy(z, labels: live.map { try labels.indexSelect(dim: 0, indices: $0) } ?? labels)
            }
        }
        #expect(passes == PassCount(forwards: 12 + 4 * 10, backwards: 12 + 4 * 10))
    }

    @Test("`fast`: APGD-CE then APGD-T on 3 targets, both early-stopped; never AutoAttack standard; L2 steps under L2")
    func parse() throws {
        let fast = try AttackSuite.parse("fast", epsilon: 0.1)
        #expect(fast.map(\.name) == ["apgd-ce", "apgd-t"])
        #expect(fast.allSatisfy { $0.parameters["early_stop"] == "true" && $0.parameters["steps"] == "100" })
        #expect(fast[1].parameters["targets"] == "3" && fast[1].parameters["restarts"] == "1")
        #expect(fast[1].parameters["target_ranking"] == "malt")
        #expect(!AttackSuite.isStandard(fast, epsilon: 0.1))
        // AutoAttack's own stages keep their parameters, so its state files and `isStandard` are unchanged.
        let aa = try AttackSuite.parse("aa-standard", epsilon: 0.1)
        #expect(aa.allSatisfy { $0.parameters["early_stop"] == nil && $0.parameters["target_ranking"] == nil })
        #expect(AttackSuite.isStandard(aa, epsilon: 0.1))
        var reduced = AttackSuite.Options()
        (reduced.apgdSteps, reduced.targets) = (20, 2)
        let small = try AttackSuite.parse("pgd-10,fast", epsilon: 0.1, options: reduced)
        #expect(small.map(\.name) == ["pgd-10", "apgd-ce", "apgd-t"])
        #expect(small[2].parameters["targets"] == "2" && small[2].parameters["steps"] == "20")
        // --targets 9 (AutoAttack's default) does not raise the fast suite's 3.
        reduced.targets = 9
        #expect(try AttackSuite.parse("fast", epsilon: 0.1, options: reduced)[1].parameters["targets"] == "3")
        let l2 = try AttackSuite.parse("fast", epsilon: 0.5, norm: .l2)
        #expect(l2.map(\.name) == ["apgd-ce", "apgd-t"] && l2.allSatisfy { $0.parameters["norm"] == "L2" })
        #expect(AttackSuite.helpText.contains("fast ("))
    }

    @Test("MALT's ranking equals the hand-computed one on a linear model, where ∇(z_y − z_t) = W_y − W_t; K − 1 backwards per robust point")
    func maltRanking() throws {
        let linear = try Linear(16, 10, generator: Generator(seed: 3))
        let model = Sequential([Flatten(), linear])
        let x = try boxImages(6, side: 4, seed: 5)
        let y = try predictedLabels(model, x)
        let logits = try withNoGrad { try model(x) }
        let byLogit = try logits.sorted(dim: 1, descending: true).indices
        let (w, z, labels) = (try linear.weight.detached().doubles(), try logits.doubles(), try y.ints())
        let logitOrder = try byLogit.ints()
        var differs = false
        for norm in ThreatNorm.allCases {
            let (order, passes) = try ModelPasses.count {
                try maltOrder(model: PassCountingLayer(model), clean: x, labels: y, byLogit: byLogit, norm: norm)
            }
            #expect(passes == PassCount(forwards: 6, backwards: 6 * 9), "\(norm)")
            let got = try order.ints()
            for i in 0..<6 {
                let c = labels[i]
                func distance(_ t: Int) -> Double {
                    let g = (0..<16).map { w[c * 16 + $0] - w[t * 16 + $0] }
                    let dual = norm == .linf ? g.map(abs).reduce(0, +) : g.map { $0 * $0 }.reduce(0, +).squareRoot()
                    return (z[i * 10 + c] - z[i * 10 + t]) / dual
                }
                let expected = [c] + (0..<10).filter { $0 != c }.sorted { distance($0) < distance($1) }
                #expect(Array(got[(i * 10)..<(i * 10 + 10)]) == expected, "\(norm) row \(i)")
                differs = differs || Array(logitOrder[(i * 10)..<(i * 10 + 10)]) != expected
            }
        }
        // Otherwise the example could not tell MALT's order from AutoAttack's.
        #expect(differs)
        // Within APGD-T only the still-robust rows are ranked and paid for: two rows labelled wrongly.
        let wrong = try Tensor.where(Tensor.arange(0, 6).lt(2), (y + 1).remainder(10), y)
        let (order, passes) = try ModelPasses.count {
            let counted = PassCountingLayer(model)
            let points = try RobustRows(model: counted, clean: x, labels: wrong)
            return try points.targetOrder(.malt, model: counted, norm: .linf)
        }
        #expect(passes == PassCount(forwards: 6 + 4, backwards: 4 * 9))
        #expect(Array(try order.ints()[..<20]) == Array(logitOrder[..<20]))
    }
}
