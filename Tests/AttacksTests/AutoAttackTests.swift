// APGD (docs/attacks.md §6), APGD-T (§7), FAB-T (§8), Square (§9) and the AutoAttack lists (§10):
// admissible iterates and results, the hand-derivable schedules of §13.8, and the attack-list parser.
@testable import Attacks
import NN
import Testing
import TestSupport
import Torch

@Suite("APGD, APGD-T, FAB-T, Square, AutoAttack")
struct AutoAttackTests {
    @Test("APGD checkpoints for N = 100 are 22, 41, 57, 70, 80, 87, 93, 99")
    func checkpoints() {
        #expect(APGDSchedule.checkpoints(steps: 100) == [22, 41, 57, 70, 80, 87, 93, 99])
        #expect(APGDSchedule.firstInterval(steps: 100) == 22)
        #expect(APGDSchedule.checkpoints(steps: 5) == [1, 2, 3, 4, 5])
    }

    @Test("Square p schedule and side lengths for 32×32: 29 at the start, 3 at query 5000")
    func squareSchedule() {
        #expect(Square.p(iteration: 10, queries: 5000, pInit: 0.8, rescale: false) == 0.8)
        #expect(Square.p(iteration: 11, queries: 5000, pInit: 0.8, rescale: false) == 0.4)
        #expect(Square.p(iteration: 4999, queries: 5000, pInit: 0.8, rescale: false) == 0.8 / 128)
        #expect(Square.side(p: 0.8, height: 32, width: 32) == 29)
        #expect(Square.side(p: 0.8 / 128, height: 32, width: 32) == 3)
        #expect(Square.p(iteration: 500, queries: 1000, pInit: 0.8, rescale: true) == 0.8 / 128)  // it = 5000
    }

    @Test("every APGD-CE/DLR and APGD-T iterate stays in the ε-ball ∩ [0, 1]", arguments: [ThreatNorm.linf, .l2])
    func apgdIterates(norm: ThreatNorm) throws {
        let model = try tinyConvNet(seed: 2)
        let x = try boxImages(10)
        let y = try predictedLabels(model, x)
        let eps = norm == .linf ? 8.0 / 255 : 0.5
        var count = 0
        let check: IterateObserver = { it in
            count += 1
            try expectAdmissible(it.adversarial, it.clean, norm: norm, epsilon: eps, "step \(it.step)")
        }
        var ce = APGD(epsilon: eps, norm: norm, steps: 12, restarts: 2)
        ce.observer = check
        var dlr = APGD(epsilon: eps, norm: norm, steps: 12, loss: .dlr)
        dlr.observer = check
        var t = APGDT(epsilon: eps, norm: norm, steps: 8, targets: 3)
        t.apgd.observer = check
        for attack in [ce, dlr, t] as [any Attack] {
            let adv = try attack.perturb(model: model, images: x, labels: y, generator: Generator(seed: 3))
            try expectAdmissible(adv, x, norm: norm, epsilon: eps, attack.name)
            try expectNoParameterGrads(model)
        }
        #expect(count >= 13)
    }

    @Test("FAB-T and Square return admissible images and break points of a weak model at a large ε")
    func fabAndSquare() throws {
        let model = try tinyConvNet(seed: 4)
        let x = try boxImages(16)
        let y = try predictedLabels(model, x)
        for attack in [FABT(epsilon: 0.3, steps: 10, targets: 3), Square(epsilon: 0.3, queries: 60)] as [any Attack] {
            model.train()
            let adv = try attack.perturb(model: model, images: x, labels: y, generator: Generator(seed: 5))
            #expect(model.training)
            try expectAdmissible(adv, x, epsilon: 0.3, attack.name)
            let broken = try predictedLabels(model, adv).ne(y).sum().item()
            #expect(broken > 0, "\(attack.name) broke nothing at ε = 0.3")
            try expectNoParameterGrads(model)
        }
    }

    @Test("FAB's box-constrained hyperplane projection reaches w·(p + d) = b with the smallest ‖d‖∞")
    func fabProjection() throws {
        // w = (1, 2), p = (0.5, 0.5), b = 2: Δ = 0.5, both coordinates move by λ: 3λ = 0.5.
        let d = try FABT.projectOntoHyperplane(point: Tensor([Float](arrayLiteral: 0.5, 0.5), shape: [1, 2]),
            normal: Tensor([Float](arrayLiteral: 1, 2), shape: [1, 2]), offset: Tensor([Float](arrayLiteral: 2), shape: [1]))
        try expectClose(d, [1.0 / 6, 1.0 / 6], atol: 1e-6)
        // The box binds: p = (0.95, 0.5), so the first coordinate stops at 1 (room 0.05): 0.05 + 2λ = 0.5.
        let e = try FABT.projectOntoHyperplane(point: Tensor([Float](arrayLiteral: 0.95, 0.5), shape: [1, 2]),
            normal: Tensor([Float](arrayLiteral: 1, 2), shape: [1, 2]), offset: Tensor([Float](arrayLiteral: 1.95 + 0.5), shape: [1]))
        try expectClose(e, [0.05, 0.225], atol: 1e-6)
    }

    @Test("attack lists: aa-standard order and parameters, subsets, pgd-K-R, cw-K, bad names refused")
    func parse() throws {
        let aa = try AttackSuite.parse("aa-standard", epsilon: 8.0 / 255)
        #expect(aa.map(\.name) == ["apgd-ce", "apgd-t", "fab-t", "square"])
        #expect(aa[0].parameters["steps"] == "100" && aa[0].parameters["restarts"] == "1")
        #expect(aa[1].parameters["targets"] == "9")
        #expect(aa[3].parameters["queries"] == "5000" && aa[3].parameters["rescale_schedule"] == "false")
        #expect(try AttackSuite.parse("aa-apgd-ce+t", epsilon: 0.1).map(\.name) == ["apgd-ce", "apgd-t"])
        #expect(try AttackSuite.parse("aa-apgd-ce+dlr", epsilon: 0.1).map(\.name) == ["apgd-ce", "apgd-dlr"])
        let list = try AttackSuite.parse("pgd-20, cw-20,pgd-50-10,fgsm,pgd-l2-10", epsilon: 8.0 / 255)
        #expect(list.map(\.name) == ["pgd-20", "cw-20", "pgd-50-10", "fgsm", "pgd-l2-10"])
        #expect(list[1].parameters["kappa"] == "50.0")
        #expect(abs(Double(list[0].parameters["step_size"]!)! - 2.0 / 255) < 1e-12)
        let mixed = try AttackSuite.parse("pgd-20,aa-standard", epsilon: 0.1)
        #expect(mixed.map(\.name) == ["pgd-20", "apgd-ce", "apgd-t", "fab-t", "square"])
        for bad in ["pgd", "pgd-0", "xyz-20", "pgd-20-3-1", "cw-x", "pgd-20,aa-bogus"] {
            #expect(throws: AttackError.self, "\(bad)") { try AttackSuite.parse(bad, epsilon: 0.1) }
        }
    }

    @Test("under L2 the L∞-only items are refused, never run weaker under their names; the rest take L2 steps")
    func l2Lists() throws {
        for name in ["aa-standard", "autoattack", "AA", "fab-t", "square", "fgsm", "fgsm-rs", "pgd-20,aa-standard"] {
            #expect(throws: AttackError.self, "\(name)") { try AttackSuite.parse(name, epsilon: 0.5, norm: .l2) }
        }
        do {
            _ = try AttackSuite.parse("aa-standard", epsilon: 0.5, norm: .l2)
        } catch let error as AttackError {
            #expect(error.description.hasPrefix("aa-standard is not offered under L2; use aa-apgd-ce+t"))
        }
        let l2 = try AttackSuite.parse("aa-apgd-ce+t,aa-apgd-ce+dlr,pgd-20,cw-20,apgd-t", epsilon: 0.5, norm: .l2)
        #expect(l2.map(\.name) == ["apgd-ce", "apgd-t", "apgd-ce", "apgd-dlr", "pgd-l2-20", "pgd-l2-cw-20", "apgd-t"])
        #expect(l2.allSatisfy { $0.parameters["norm"] == "L2" })
    }

    @Test("AttackSequence is the point-wise worst case: never weaker than its first attack")
    func sequence() throws {
        let model = try tinyConvNet(seed: 6)
        let x = try boxImages(24)
        let y = try predictedLabels(model, x)
        let first = PGD(epsilon: 0.05, stepSize: 0.0125, steps: 5, randomStart: false)
        let aa = AttackSequence([first, Square(epsilon: 0.05, queries: 30)], name: "pgd+square", epsilon: 0.05)
        let alone = try predictedLabels(model, first.perturb(model: model, images: x, labels: y, generator: Generator(seed: 1))).ne(y)
        let both = try predictedLabels(model, aa.perturb(model: model, images: x, labels: y, generator: Generator(seed: 1))).ne(y)
        #expect(try alone.logicalAnd(both.logicalNot()).sum().item() == 0)
    }
}
