// The threat model of docs/attacks.md §1: projections land in ε-ball ∩ [0, 1]; admissibility
// catches every way out (ε, box, NaN).
@testable import Attacks
import Testing
import TestSupport
import Torch

@Suite("Projection and admissibility")
struct ProjectionTests {
    @Test("projInf lands in [max(x−ε, 0), min(x+ε, 1)] per pixel, for random v and pixels on 0 and 1")
    func linfProperty() throws {
        for seed in 0..<5 as Range<UInt64> {
            let x = try boxImages(16, seed: seed)
            let v = try Tensor.uniform(x.shape, low: -1, high: 2, generator: Generator(seed: seed + 100))
            let eps = [0.0, 0.03, 8.0 / 255, 0.3, 1.0][Int(seed)]
            let p = try projectLinf(v, around: x, epsilon: eps)
            let lo = try (x - eps).clamped(min: 0)
            let hi = try (x + eps).clamped(max: 1)
            #expect(try p.ge(lo).logicalAnd(p.le(hi)).all().item() == 1)
            // Inside points are unchanged (a projection is the identity on its set).
            let q = try projectLinf(p, around: x, epsilon: eps)
            #expect(try (q - p).abs().max().item() == 0)
            try expectAdmissible(p, x, epsilon: eps)
        }
    }

    @Test("projL2 rescales δ to norm ≤ ε, then clamps to the box")
    func l2Property() throws {
        let x = try boxImages(16)
        let v = try x + Tensor.randn(x.shape, generator: Generator(seed: 3))
        let p = try projectL2(v, around: x, epsilon: 0.5)
        try expectAdmissible(p, x, norm: .l2, epsilon: 0.5)
        // A δ already inside the ball and the box is left alone.
        let small = try projectLinf(x + Tensor.randn(x.shape, generator: Generator(seed: 4)) * 0.001, around: x, epsilon: 0.002)
        try expectClose(projectL2(small, around: x, epsilon: 0.5), small.doubles(), atol: 1e-7)
    }

    @Test("admissible rejects ε violations beyond 1e-6, pixels outside [0, 1], and NaN")
    func admissibility() throws {
        let x = try Tensor.full([4, 1, 2, 2], 0.5)
        let eps = 0.1
        var values = [Float](repeating: 0.5, count: 16)
        values[0] = 0.5 + 0.1 + 5e-7     // within tolerance: admissible
        values[4] = 0.5 + 0.1 + 1e-5     // beyond tolerance
        values[8] = .nan
        values[12] = 0.5
        let adv = try Tensor(values, shape: [4, 1, 2, 2])
        #expect(try admissible(adv, clean: x, norm: .linf, epsilon: eps).ints() == [1, 0, 0, 1])
        let outside = try Tensor.full([1, 1, 2, 2], 1.05)
        #expect(try admissible(outside, clean: Tensor.ones([1, 1, 2, 2]), norm: .linf, epsilon: 0.1).ints() == [0])
        #expect(try admissible(outside, clean: Tensor.ones([1, 1, 2, 2]), norm: .l2, epsilon: 1).ints() == [0])
    }
}
