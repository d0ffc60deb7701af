// Tensor.apgdStep, APGD's fused L∞ momentum step (CTorch's fused.cpp), against the twelve ops it
// replaces, composed in Swift as Sources/Attacks/APGD.swift wrote them before.
import Testing
import TestSupport
import Torch

@Suite("Fused APGD step")
struct APGDStepTests {
    /// z = clamp(c + sign(g)·η, low, high); clamp(c + (z − c)·a + (c − p)·(1 − a), low, high).
    func composed(_ c: Tensor, _ p: Tensor, _ g: Tensor, eta: Tensor, a: Double, low: Tensor, high: Tensor) throws -> Tensor {
        let perRow = try eta.reshaped([-1] + Array(repeating: 1, count: c.rank - 1))
        let z = try (c + g.sign() * perRow).clamped(min: low, max: high)
        return try (c + (z - c) * a + (c - p) * (1 - a)).clamped(min: low, max: high)
    }

    /// `n` images of `pixels` values: clean x, the box of ε = 0.1 around it, a current and a previous
    /// iterate inside the box, a gradient with zeros, and per-row step sizes of different sizes.
    func batch(n: Int, pixels: Int, seed: UInt64) throws -> (c: Tensor, p: Tensor, g: Tensor, eta: Tensor, low: Tensor, high: Tensor) {
        let generator = try Generator(seed: seed)
        let x = try Tensor.uniform([n, 1, pixels], low: 0, high: 1, generator: generator)
        let (low, high) = (try (x - 0.1).clamped(min: 0), try (x + 0.1).clamped(max: 1))
        let c = try (x + Tensor.uniform([n, 1, pixels], low: -0.1, high: 0.1, generator: generator)).clamped(min: low, max: high)
        let p = try (x + Tensor.uniform([n, 1, pixels], low: -0.1, high: 0.1, generator: generator)).clamped(min: low, max: high)
        let raw = try Tensor.randn([n, 1, pixels], generator: generator)
        let g = try Tensor.where(raw.abs().lt(0.2), raw.zerosLike(), raw)
        let eta = try Tensor.uniform([n], low: 0.001, high: 0.2, generator: generator)
        return (c, p, g, eta, low, high)
    }

    @Test("equals the composed ops bit for bit, first step (a = 1) and later ones (a = 0.75), over several chunks",
          arguments: [(3, 7), (50, 784), (130, 784)])
    func matchesComposed(n: Int, pixels: Int) throws {
        let (c, p, g, eta, low, high) = try batch(n: n, pixels: pixels, seed: UInt64(n * pixels))
        for a in [1.0, 0.75] {
            let fused = try c.apgdStep(previous: p, gradient: g, eta: eta, a: a, low: low, high: high)
            let reference = try composed(c, p, g, eta: eta, a: a, low: low, high: high)
            #expect(fused.shape == reference.shape)
            #expect(try fused.floats() == reference.floats(), "a = \(a)")
        }
    }

    @Test("hand-derived values: the step, the momentum, and the box after each")
    func values() throws {
        // One row, ε-box [0.4, 0.6] around 0.5 for both pixels; η = 0.08, a = 0.75.
        let c = try Tensor([0.55, 0.45] as [Float], shape: [1, 2])
        let p = try Tensor([0.5, 0.5] as [Float], shape: [1, 2])
        let g = try Tensor([1.0, 0.0] as [Float], shape: [1, 2])
        let eta = try Tensor([0.08] as [Float], shape: [1])
        let (low, high) = (try Tensor([0.4, 0.4] as [Float], shape: [1, 2]), try Tensor([0.6, 0.6] as [Float], shape: [1, 2]))
        let out = try c.apgdStep(previous: p, gradient: g, eta: eta, a: 0.75, low: low, high: high)
        // Pixel 0: z = clamp(0.63) = 0.6; 0.55 + 0.05·0.75 + 0.05·0.25 = 0.6.
        // Pixel 1: zero gradient, z = 0.45; 0.45 + 0 + (−0.05)·0.25 = 0.4375.
        expectClose(try out.doubles(), [0.6, 0.4375], atol: 1e-7)
    }

    @Test("layouts and dtypes the loop does not take go through libtorch's ops, with the same result")
    func fallbacks() throws {
        let (c, p, g, eta, low, high) = try batch(n: 8, pixels: 8, seed: 5)
        let t = try c.reshaped([8, 8]).transposed(0, 1)
        let (pt, gt, lt, ht) = (try p.reshaped([8, 8]), try g.reshaped([8, 8]), try low.reshaped([8, 8]), try high.reshaped([8, 8]))
        #expect(try t.apgdStep(previous: pt, gradient: gt, eta: eta, a: 0.75, low: lt, high: ht).floats()
            == composed(t, pt, gt, eta: eta, a: 0.75, low: lt, high: ht).floats())
        let d = { (x: Tensor) in try x.to(dtype: .float64) }
        #expect(try d(c).apgdStep(previous: d(p), gradient: d(g), eta: d(eta), a: 0.75, low: d(low), high: d(high)).doubles()
            == composed(d(c), d(p), d(g), eta: d(eta), a: 0.75, low: d(low), high: d(high)).doubles())
    }

    @Test("a step size per row of the wrong count is an error, not a crash")
    func etaMismatch() throws {
        let (c, p, g, _, low, high) = try batch(n: 4, pixels: 3, seed: 1)
        #expect(throws: TorchError.self) {
            try c.apgdStep(previous: p, gradient: g, eta: Tensor.zeros([3]), a: 0.75, low: low, high: high)
        }
    }
}
