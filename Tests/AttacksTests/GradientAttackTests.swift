// FGSM, FGSM-RS, PGD (L∞, CE/CW/DLR) and PGD-L2 (docs/attacks.md §3–§5): every iterate admissible,
// the PyTorch oracle on a linear model, hand-derived steps, bookkeeping, modes and parameter grads.
@testable import Attacks
import NN
import Testing
import TestSupport
import Torch

@Suite("FGSM and PGD")
struct GradientAttackTests {
    @Test("every PGD iterate of every restart stays in ε-ball ∩ [0, 1] (L∞ CE/CW/DLR, L2)", arguments: [AttackLoss.crossEntropy, .cw, .dlr])
    func iteratesAdmissible(loss: AttackLoss) throws {
        let model = try tinyConvNet()
        let x = try boxImages(12)
        let y = try predictedLabels(model, x)
        let eps = 8.0 / 255
        var seen = 0
        var attack = PGD(epsilon: eps, stepSize: 3.0 / 255, steps: 6, randomStart: true, restarts: 2, loss: loss)
        attack.kappa = 5
        attack.observer = { it in
            seen += 1
            try expectAdmissible(it.adversarial, it.clean, epsilon: eps, "restart \(it.restart) step \(it.step)")
        }
        let adv = try attack.perturb(model: model, images: x, labels: y, generator: Generator(seed: 7))
        try expectAdmissible(adv, x, epsilon: eps, "result")
        #expect(seen >= 7)

        var l2 = PGD(epsilon: 0.5, norm: .l2, stepSize: 0.2, steps: 6, randomStart: true, restarts: 2, loss: loss)
        l2.observer = { it in try expectAdmissible(it.adversarial, it.clean, norm: .l2, epsilon: 0.5, "L2 step \(it.step)") }
        try expectAdmissible(l2.perturb(model: model, images: x, labels: y, generator: Generator(seed: 7)), x, norm: .l2, epsilon: 0.5)
    }

    @Test("FGSM and FGSM-RS results are admissible; FGSM-RS defaults to α = 1.25ε")
    func fgsmAdmissible() throws {
        let model = try tinyConvNet()
        let x = try boxImages(12)
        let y = try predictedLabels(model, x)
        try expectAdmissible(FGSM(epsilon: 0.1).perturb(model: model, images: x, labels: y, generator: Generator(seed: 0)), x, epsilon: 0.1)
        let rs = FGSMRS(epsilon: 8.0 / 255)
        #expect(abs(rs.stepSize - 10.0 / 255) < 1e-12)
        try expectAdmissible(rs.perturb(model: model, images: x, labels: y, generator: Generator(seed: 0)), x, epsilon: 8.0 / 255)
    }

    @Test("FGSM and PGD (CE and CW κ=50, zero start) match the PyTorch oracle on a linear model")
    func matchesOracle() throws {
        let c = try attackFixtures().named("linear_attacks")
        let model = try linearModel(weight: c.input("W"), bias: c.input("b"))
        let x = try c.input("x")
        let y = try c.input("labels")
        let g = try Generator(seed: 0)
        try expectClose(FGSM(epsilon: 0.1).perturb(model: model, images: x, labels: y, generator: g), c.output("fgsm").values, atol: 1e-6, "fgsm")
        var pgd = PGD(epsilon: 0.1, stepSize: 0.025, steps: 7, randomStart: false)
        try expectClose(pgd.perturb(model: model, images: x, labels: y, generator: g), c.output("pgd_ce").values, atol: 1e-6, "pgd ce")
        pgd.loss = .cw
        pgd.kappa = 50
        try expectClose(pgd.perturb(model: model, images: x, labels: y, generator: g), c.output("pgd_cw").values, atol: 1e-6, "pgd cw")
    }

    @Test("two-class linear model: the FGSM step is −ε·sign(w_y − w_j) and lowers the margin by ε‖w_y − w_j‖₁")
    func twoClassLinear() throws {
        let w = try Tensor([Float](arrayLiteral: 1, -2, 0.5, -0.25, 3, -1, 2, 0.5), shape: [2, 4])
        let model = try linearModel(weight: w, bias: Tensor([Float](arrayLiteral: 0.1, -0.1), shape: [2]))
        let x = try Tensor.full([1, 1, 2, 2], 0.5)  // the box is not active at ε = 0.1
        let y = try Tensor([Int64(0)], shape: [1])
        let eps = 0.1
        let adv = try FGSM(epsilon: eps).perturb(model: model, images: x, labels: y, generator: Generator(seed: 0))
        let diff: [Double] = [1 - 3, -2 + 1, 0.5 - 2, -0.25 - 0.5]  // w_0 − w_1
        try expectClose(adv - x, diff.map { -eps * ($0 > 0 ? 1 : -1) }, atol: 1e-7)
        let margin = { (v: Tensor) in try Losses.margin(withNoGrad { try model(v) }, labels: y).item() }
        let l1 = diff.map { abs($0) }.reduce(0, +)
        #expect(abs((try margin(x) - margin(adv)) - eps * l1) < 1e-5)
        // PGD from zero start with α ≥ ε reaches that corner in one step and stays there.
        let pgd = PGD(epsilon: eps, stepSize: eps, steps: 5, randomStart: false)
        var corners: [[Double]] = []
        var observed = pgd
        observed.observer = { corners.append(try ($0.adversarial - x).doubles()) }
        _ = try observed.perturb(model: model, images: x, labels: y, generator: Generator(seed: 0))
        for c in corners.dropFirst() { expectClose(c, diff.map { -eps * ($0 > 0 ? 1 : -1) }, atol: 1e-7) }
    }

    @Test("bookkeeping: more steps from the same start never break fewer points; misclassified iterates are returned")
    func monotoneInSteps() throws {
        let model = try tinyConvNet(seed: 3)
        let x = try boxImages(40, seed: 5)
        let y = try predictedLabels(model, x)
        var broken: [Int] = []
        for steps in [0, 1, 3, 10] {
            let adv = try PGD(epsilon: 0.05, stepSize: 0.01, steps: steps, randomStart: false).perturb(
                model: model, images: x, labels: y, generator: Generator(seed: 1))
            let mis = try predictedLabels(model, adv).ne(y)
            broken.append(Int(try mis.sum().item()))
        }
        #expect(broken[0] == 0)
        #expect(broken == broken.sorted(), "\(broken)")
        #expect(broken.last! > 0)
    }

    @Test("attacks restore the caller's mode, never write parameter grads nor BatchNorm statistics in eval mode")
    func modeAndGrads() throws {
        let model = try tinyConvNet()
        let bn = model.layers[1] as! BatchNorm2d
        let x = try boxImages(8)
        let y = try predictedLabels(model, x)
        let before = try bn.runningMean.doubles()
        let attacks: [any Attack] = [
            FGSM(epsilon: 0.1), FGSMRS(epsilon: 0.1), PGD(epsilon: 0.1, stepSize: 0.02, steps: 3),
            PGD(epsilon: 0.5, norm: .l2, stepSize: 0.1, steps: 3),
        ]
        for attack in attacks {
            model.train()
            _ = try attack.perturb(model: model, images: x, labels: y, generator: Generator(seed: 0))
            #expect(model.training && bn.training, "\(attack.name) left the model in eval mode")
            model.eval()
            _ = try attack.perturb(model: model, images: x, labels: y, mode: .eval, generator: Generator(seed: 0))
            #expect(!model.training, "\(attack.name) left the model in train mode")
            try expectNoParameterGrads(model)
            #expect(try bn.runningMean.doubles() == before, "\(attack.name) changed BatchNorm statistics in eval mode")
        }
        // Train mode is honoured: the BatchNorm statistics move.
        _ = try PGD(epsilon: 0.1, stepSize: 0.02, steps: 2).perturb(model: model, images: x, labels: y, mode: .train, generator: Generator(seed: 0))
        #expect(try bn.runningMean.doubles() != before)
        #expect(!model.training)
        try expectNoParameterGrads(model)
    }

    @Test("the same seed gives the same result; the parameters name every setting")
    func seededAndReported() throws {
        let model = try tinyConvNet()
        let x = try boxImages(6)
        let y = try predictedLabels(model, x)
        var pgd = PGD(epsilon: 0.1, stepSize: 0.02, steps: 3, restarts: 2, loss: .cw)
        pgd.kappa = 50
        let a = try pgd.perturb(model: model, images: x, labels: y, generator: Generator(seed: 9))
        let b = try pgd.perturb(model: model, images: x, labels: y, generator: Generator(seed: 9))
        #expect(try (a - b).abs().max().item() == 0)
        #expect(pgd.name == "cw-3-2")
        #expect(pgd.parameters["kappa"] == "50.0" && pgd.parameters["restarts"] == "2" && pgd.parameters["loss"] == "cw")
        #expect(PGD(epsilon: 0.1, stepSize: 0.01, steps: 20).name == "pgd-20")
    }

    @Test("misuse is an AttackError that names the values; libtorch's own failures pass through as TorchError")
    func errors() throws {
        let model = try linearModel(weight: Tensor.zeros([3, 4]), bias: Tensor.zeros([3]))
        let x = try Tensor.full([2, 1, 2, 2], 0.5)
        let y = try Tensor([Int64(0), 1], shape: [2])
        let noRestarts = PGD(epsilon: 0.1, stepSize: 0.01, steps: 2, restarts: 0)
        let error = #expect(throws: AttackError.self) { try noRestarts.perturb(model: model, images: x, labels: y, generator: Generator(seed: 0)) }
        #expect(error?.description.contains("restarts = 0") == true, "\(String(describing: error))")
        #expect(throws: AttackError.self) { try FGSM(epsilon: 0.1).perturb(model: model, images: x, labels: y + 0.5, generator: Generator(seed: 0)) }
        #expect(throws: AttackError.unknownAttack("pgd-x")) { try AttackSuite.parse("pgd-x", epsilon: 0.1) }
        // 3×3 images do not fit the model's 4 inputs: libtorch's error, not rewrapped.
        let wide = try Tensor.full([2, 1, 3, 3], 0.5)
        #expect(throws: TorchError.self) { try FGSM(epsilon: 0.1).perturb(model: model, images: wide, labels: y, generator: Generator(seed: 0)) }
    }
}
