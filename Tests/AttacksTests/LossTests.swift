// The losses of docs/attacks.md §2 against the PyTorch oracle, hand-derived values and their invariances.
@testable import Attacks
import Foundation
import Testing
import TestSupport
import Torch

@Suite("Attack losses")
struct LossTests {
    let fixture: FixtureCase

    init() throws {
        fixture = try attackFixtures().named("losses")
    }

    func check(_ name: String, _ loss: (Tensor) throws -> Tensor) throws {
        let z = try fixture.input("logits").requiringGrad()
        let value = try loss(z)
        let g = try grad(of: value.sum(), wrt: z)
        try expectClose(value, fixture.output(name).values, rtol: 1e-10, atol: 1e-10, name)
        try expectClose(g, fixture.output(name + "_grad").values, rtol: 1e-10, atol: 1e-10, name + " gradient")
    }

    @Test("CE, margin, CW (κ 0 and 50), DLR and targeted DLR match PyTorch, values and gradients")
    func matchesOracle() throws {
        let y = try fixture.input("labels")
        let t = try fixture.input("targets")
        try check("ce") { try Losses.crossEntropy($0, labels: y) }
        try check("margin") { try Losses.margin($0, labels: y) }
        try check("cw0") { try Losses.cw($0, labels: y, kappa: 0) }
        try check("cw50") { try Losses.cw($0, labels: y, kappa: 50) }
        try check("dlr") { try Losses.dlr($0, labels: y) }
        try check("dlr_t") { try Losses.targetedDLR($0, labels: y, targets: t) }
    }

    @Test("hand-derived values: all-negative logits, CE gradient = softmax − onehot")
    func handDerived() throws {
        // z = (−3, −1, −2), y = 0: max_{j≠y} z_j = −1 (a one-hot-multiply mask would give 0).
        let z = try Tensor([-3.0, -1.0, -2.0], shape: [1, 3])
        let y = try Tensor([Int64(0)], shape: [1])
        try expectClose(Losses.margin(z, labels: y), [-2])
        try expectClose(Losses.cw(z, labels: y, kappa: 0), [0])  // min(2, 0)
        try expectClose(Losses.cw(z, labels: y, kappa: 50), [2])
        // DLR = −(−3 − (−1)) / (π₁ − π₃) = 2 / (−1 − (−3)) = 1
        try expectClose(Losses.dlr(z, labels: y), [1], atol: 1e-9)
        let lse = log([-3.0, -1.0, -2.0].map { exp($0) }.reduce(0, +))
        try expectClose(Losses.crossEntropy(z, labels: y), [lse + 3])
        let zr = try z.requiringGrad()
        let g = try grad(of: Losses.crossEntropy(zr, labels: y).sum(), wrt: zr)
        let softmax = [-3.0, -1.0, -2.0].map { exp($0 - lse) }
        try expectClose(g, [softmax[0] - 1, softmax[1], softmax[2]], atol: 1e-12)
    }

    @Test("DLR and targeted DLR are unchanged under z → a·z + b; the CW margin scales by a")
    func invariances() throws {
        let z = try fixture.input("logits")
        let y = try fixture.input("labels")
        let t = try fixture.input("targets")
        let moved = try z * 3.5 + 7.25
        try expectClose(Losses.dlr(moved, labels: y), Losses.dlr(z, labels: y).doubles(), rtol: 1e-9, atol: 1e-9)
        try expectClose(
            Losses.targetedDLR(moved, labels: y, targets: t), Losses.targetedDLR(z, labels: y, targets: t).doubles(),
            rtol: 1e-9, atol: 1e-9)
        try expectClose(Losses.margin(moved, labels: y), (Losses.margin(z, labels: y) * 3.5).doubles(), rtol: 1e-9, atol: 1e-9)
    }

    @Test("DLR refuses fewer than 3 classes, targeted DLR fewer than 4")
    func classCount() throws {
        let y = try Tensor([Int64(0)], shape: [1])
        #expect(throws: AttackError.self) { try Losses.dlr(Tensor([1.0, 2.0], shape: [1, 2]), labels: y) }
        #expect(throws: AttackError.self) {
            try Losses.targetedDLR(Tensor([1.0, 2.0, 3.0], shape: [1, 3]), labels: y, targets: y + 1)
        }
    }
}
