// Tensor.signStep, the fused signed-gradient step (CTorch's fused.cpp), against the five ops it
// replaces, composed in Swift as the attacks and training methods wrote them before.
import Testing
import TestSupport
import Torch

@Suite("Fused signed step")
struct SignStepTests {
    /// δ + α·sign(g), then clamp(−ε, ε), then clamp(low, high), each only when given.
    func composed(_ v: Tensor, _ g: Tensor, step: Double, epsilon: Double?, low: Tensor?, high: Tensor?) throws -> Tensor {
        var out = try v + g.sign() * step
        if let epsilon { out = try out.clamped(min: -epsilon, max: epsilon) }
        if low != nil || high != nil { out = try out.clamped(min: low, max: high) }
        return out
    }

    /// A batch of images x, a δ partly outside the ε-ball and the box, and a gradient with zeros
    /// (sign 0: those pixels do not move); `count` above libtorch's grain size runs the loop in
    /// several chunks, and an odd count leaves a vector tail.
    func batch(_ count: Int, seed: UInt64) throws -> (x: Tensor, delta: Tensor, gradient: Tensor) {
        let generator = try Generator(seed: seed)
        let x = try Tensor.uniform([count], low: 0, high: 1, generator: generator).clamped(min: 0.05, max: 0.95) - 0.05
        let delta = try Tensor.uniform([count], low: -0.3, high: 0.3, generator: generator)
        let raw = try Tensor.randn([count], generator: generator)
        let gradient = try Tensor.where(raw.abs().lt(0.2), raw.zerosLike(), raw)
        return (x, delta, gradient)
    }

    @Test("equals the composed ops with both clamps, one or none, over several chunks", arguments: [7, 1001, 100_003])
    func matchesComposed(count: Int) throws {
        let (x, delta, g) = try batch(count, seed: UInt64(count))
        let (low, high) = (try -x, try 1 - x)
        let cases: [(Double?, Tensor?, Tensor?)] = [(0.1, low, high), (0.1, nil, nil), (nil, low, high), (nil, nil, high), (nil, nil, nil)]
        for (epsilon, lo, hi) in cases {
            let fused = try delta.signStep(g, stepSize: 0.025, epsilon: epsilon, low: lo, high: hi)
            let reference = try composed(delta, g, step: 0.025, epsilon: epsilon, low: lo, high: hi)
            #expect(fused.shape == reference.shape)
            #expect(try fused.floats() == reference.floats(), "ε \(String(describing: epsilon)), low \(lo != nil), high \(hi != nil)")
        }
    }

    @Test("hand-derived values: zero gradient stays, the ε-ball then the box")
    func values() throws {
        let x = try Tensor([0.0, 0.95, 0.5, 0.5] as [Float], shape: [2, 2])
        let delta = try Tensor([-0.05, 0.05, 0.09, 0.0] as [Float], shape: [2, 2])
        let g = try Tensor([-1.0, 2.0, 3.0, 0.0] as [Float], shape: [2, 2])
        let out = try delta.signStep(g, stepSize: 0.04, epsilon: 0.1, low: -x, high: 1 - x)
        // −0.09 → box [0, 1]: 0;  0.09 → box top 0.05;  0.13 → ε 0.1;  0 stays.
        expectClose(try out.doubles(), [0, 0.05, 0.1, 0], atol: 1e-7)
    }

    @Test("layouts and dtypes the loop does not take go through libtorch's ops, with the same result")
    func fallbacks() throws {
        let (x, delta, g) = try batch(64, seed: 3)
        let (low, high) = (try (-x).reshaped([8, 8]), try (1 - x).reshaped([8, 8]))
        let transposed = try delta.reshaped([8, 8]).transposed(0, 1)
        let gt = try g.reshaped([8, 8])
        #expect(try transposed.signStep(gt, stepSize: 0.05, epsilon: 0.1, low: low, high: high).floats()
            == composed(transposed, gt, step: 0.05, epsilon: 0.1, low: low, high: high).floats())
        let d64 = try delta.to(dtype: .float64), g64 = try g.to(dtype: .float64)
        #expect(try d64.signStep(g64, stepSize: 0.05, epsilon: 0.1).doubles() == composed(d64, g64, step: 0.05, epsilon: 0.1, low: nil, high: nil).doubles())
    }

    @Test("a gradient of another shape is an error, not a crash")
    func shapeMismatch() throws {
        let v = try Tensor.zeros([4])
        #expect(throws: TorchError.self) { try v.signStep(Tensor.zeros([3]), stepSize: 0.1) }
    }
}
