// F.conv2d(_:…input:output:) (CTorch's onednn_conv.cpp): convolutions whose input or output stays in
// oneDNN's blocked layout, against libtorch's own convolution on the same values. The kernels are the
// same, so the outputs and all three gradients must agree bit for bit.
import Testing
import TestSupport
import Torch

@Suite("Blocked convolutions")
struct BlockedConvolutionTests {
    /// NCHW [N, C, H, W] as oneDNN's nChw16c, a contiguous [N, C/16, H, W, 16].
    func blocked(_ t: Tensor) throws -> Tensor {
        let s = t.shape
        return try t.reshaped([s[0], s[1] / 16, 16, s[2], s[3]]).permuted([0, 1, 3, 4, 2]).contiguous()
    }

    struct Case: CustomTestStringConvertible, Sendable {
        let inChannels: Int, stride: Int, input: ActivationLayout, output: ActivationLayout
        var testDescription: String { "\(inChannels) channels, stride \(stride), \(input) → \(output)" }
    }

    @Test("output, input, weight and bias gradients equal libtorch's convolution bit for bit, and the blocked path ran",
          arguments: [
              Case(inChannels: 1, stride: 1, input: .nchw, output: .blocked), Case(inChannels: 32, stride: 2, input: .blocked, output: .blocked),
              Case(inChannels: 64, stride: 2, input: .blocked, output: .nchw), Case(inChannels: 16, stride: 1, input: .nchw, output: .nchw),
          ])
    func matchesLibtorch(_ c: Case) throws {
        let g = try Generator(seed: UInt64(c.inChannels * 10 + c.stride))
        let x = try Tensor.randn([4, c.inChannels, 12, 12], generator: g)
        let w = try Tensor.randn([32, c.inChannels, 3, 3], generator: g) * 0.1
        let b = try Tensor.randn([32], generator: g)
        let side = (12 + 2 - 3) / c.stride + 1
        let r = try Tensor.randn([4, 32, side, side], generator: g)

        let (xr, wr, br) = (try x.detached().requiringGrad(), try w.detached().requiringGrad(), try b.detached().requiringGrad())
        let reference = try F.conv2d(xr, weight: wr, bias: br, stride: c.stride, padding: 1)
        try (reference * r).sum().backward()

        let xb = try (c.input == .blocked ? blocked(x) : x).requiringGrad()
        let (wb, bb) = (try w.detached().requiringGrad(), try b.detached().requiringGrad())
        let before = ActivationLayout.blockedForwards
        let raw = try #require(try F.conv2d(xb, weight: wb, bias: bb, stride: c.stride, padding: 1, input: c.input, output: c.output))
        #expect(ActivationLayout.blockedForwards == before + 1)
        #expect(raw.shape == (c.output == .blocked ? [4, 2, side, side, 16] : [4, 32, side, side]))
        let y = c.output == .blocked ? try raw.blockedToNCHW() : raw
        try (y * r).sum().backward()

        #expect(try y.floats() == reference.floats(), "output")
        let inputGradient = try #require(try xb.grad)
        let gx = c.input == .blocked ? try inputGradient.blockedToNCHW() : inputGradient
        #expect(try gx.floats() == xr.grad!.floats(), "input gradient")
        #expect(try wb.grad!.floats() == wr.grad!.floats(), "weight gradient")
        #expect(try bb.grad!.floats() == br.grad!.floats(), "bias gradient")
    }

    @Test("where it does not apply it says so with nil: channels not a multiple of 16, float64, autocast")
    func notApplicable() throws {
        let x = try Tensor.randn([2, 16, 8, 8])
        #expect(try F.conv2d(x, weight: Tensor.randn([8, 16, 3, 3]), padding: 1, input: .nchw, output: .blocked) == nil)
        let x64 = try x.to(dtype: .float64)
        #expect(try F.conv2d(x64, weight: Tensor.randn([16, 16, 3, 3]).to(dtype: .float64), padding: 1, input: .nchw, output: .blocked) == nil)
        let inside = try Autocast.run(on: .cpu, dtype: .bfloat16) {
            try F.conv2d(x, weight: Tensor.randn([16, 16, 3, 3]), padding: 1, input: .nchw, output: .blocked)
        }
        #expect(inside == nil)
    }

    @Test("a second derivative through a blocked convolution (create_graph) equals libtorch's")
    func secondDerivative() throws {
        let g = try Generator(seed: 11)
        let x = try Tensor.randn([2, 16, 8, 8], generator: g)
        let w = try Tensor.randn([16, 16, 3, 3], generator: g) * 0.1
        let r = try Tensor.randn([2, 16, 8, 8], generator: g)
        // d/dw of ‖∂(Σ y·r)/∂x‖², GradAlign's kind of term.
        func run(blockedSides: Bool) throws -> Tensor {
            let (xi, wi) = (try (blockedSides ? blocked(x) : x).requiringGrad(), try w.detached().requiringGrad())
            let y = blockedSides
                ? try #require(try F.conv2d(xi, weight: wi, padding: 1, input: .blocked, output: .blocked)).blockedToNCHW()
                : try F.conv2d(xi, weight: wi, padding: 1)
            let gx = try grad(of: (y * r).sum(), wrt: [xi], createGraph: true)[0]
            return try grad(of: (gx * gx).sum(), wrt: [wi])[0]
        }
        let (viaBlocked, direct) = (try run(blockedSides: true), try run(blockedSides: false))
        #expect(try direct.abs().max().item() > 0)
        #expect(try (viaBlocked - direct).abs().max().item() <= 1e-5 * direct.abs().max().item())
    }
}
