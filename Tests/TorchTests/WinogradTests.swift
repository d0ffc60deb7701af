// ConvolutionAlgorithm.winograd (CTorch's onednn_conv.cpp): oneDNN's Winograd kernels for CPU 3×3
// stride-1 convolutions, against libtorch's own (direct) kernels on the same tensors. Winograd's
// float32 rounding differs, so results agree to a relative 1e-4 of the largest value, not bit for bit.
import Foundation
import Testing
import TestSupport
import Torch

@Suite("Winograd convolutions")
struct WinogradTests {
    /// Largest |a − b| over the largest |b|.
    func relativeError(_ a: Tensor, _ b: Tensor) throws -> Double {
        try (a - b).abs().max().item() / max(b.abs().max().item(), 1e-12)
    }

    /// Output, and the gradients of Σ output·r for the input, weight and bias, on `algorithm`.
    func passes(
        _ algorithm: ConvolutionAlgorithm, x: Tensor, w: Tensor, b: Tensor?, r: Tensor, padding: Int, stride: Int = 1
    ) throws -> [Tensor] {
        let (xi, wi, bi) = (try x.detached().requiringGrad(), try w.detached().requiringGrad(), try b?.detached().requiringGrad())
        let y = try algorithm.run { try F.conv2d(xi, weight: wi, bias: bi, stride: stride, padding: padding) }
        try (y * r).sum().backward()
        return try [y, xi.grad!, wi.grad!] + (bi.map { [try $0.grad!] } ?? [])
    }

    func tensors(n: Int, c: Int, side: Int, oc: Int, padding: Int, channelsLast: Bool, seed: UInt64) throws -> (Tensor, Tensor, Tensor, Tensor) {
        let g = try Generator(seed: seed)
        var x = try Tensor.randn([n, c, side, side], generator: g)
        if channelsLast { x = try x.to(memoryFormat: .channelsLast) }
        let w = try Tensor.randn([oc, c, 3, 3], generator: g) * 0.1
        let b = try Tensor.randn([oc], generator: g)
        let out = side + 2 * padding - 2
        return (x, w, b, try Tensor.randn([n, oc, out, out], generator: g))
    }

    @Test("Winograd is in this build (Debian's libtorch with libdnnl-dev, as scripts/dev.sh installs)")
    func available() {
        #expect(ConvolutionAlgorithm.winogradAvailable, "oneDNN's headers were missing at build time: apt install libdnnl-dev, then rebuild")
    }

    @Test("output and input, weight and bias gradients equal libtorch's direct kernels to 1e-4, and Winograd ran",
          arguments: [(false, true, 1), (true, true, 1), (false, false, 1), (false, true, 0)])
    func matchesDirect(channelsLast: Bool, bias: Bool, padding: Int) throws {
        let (x, w, b, r) = try tensors(n: 4, c: 16, side: 12, oc: 32, padding: padding, channelsLast: channelsLast, seed: 7)
        let direct = try passes(.direct, x: x, w: w, b: bias ? b : nil, r: r, padding: padding)
        let before = ConvolutionAlgorithm.winogradForwards
        let winograd = try passes(.winograd, x: x, w: w, b: bias ? b : nil, r: r, padding: padding)
        #expect(ConvolutionAlgorithm.winogradForwards == before + 1, "the convolution did not run through Winograd")
        #expect(winograd.count == direct.count)
        for (name, (a, ref)) in zip(["output", "input gradient", "weight gradient", "bias gradient"], zip(winograd, direct)) {
            #expect(a.shape == ref.shape, "\(name)")
            let error = try relativeError(a, ref)
            #expect(error < 1e-4, "\(name): relative error \(error)")
        }
        #expect(winograd[0].isChannelsLast == channelsLast, "the output keeps the input's layout")
    }

    @Test("other convolutions (stride 2, 1×1, 5×5, a 3-channel stem) run libtorch's kernels, bit for bit")
    func otherShapesUnchanged() throws {
        let g = try Generator(seed: 3)
        for (channels, kernel, stride, padding) in [(16, 3, 2, 1), (16, 1, 1, 0), (16, 5, 1, 2), (3, 3, 1, 1)] {
            let x = try Tensor.randn([2, channels, 10, 10], generator: g)
            let w = try Tensor.randn([16, channels, kernel, kernel], generator: g)
            let before = ConvolutionAlgorithm.winogradForwards
            let a = try ConvolutionAlgorithm.winograd.run { try F.conv2d(x, weight: w, stride: stride, padding: padding) }
            #expect(ConvolutionAlgorithm.winogradForwards == before, "\(channels) channels, kernel \(kernel), stride \(stride)")
            #expect(try a.floats() == F.conv2d(x, weight: w, stride: stride, padding: padding).floats())
        }
    }

    @Test("under bf16 autocast the convolution is libtorch's (in bfloat16), not Winograd's float32")
    func autocastBypasses() throws {
        let (x, w, _, _) = try tensors(n: 2, c: 16, side: 8, oc: 16, padding: 1, channelsLast: false, seed: 4)
        let before = ConvolutionAlgorithm.winogradForwards
        let y = try ConvolutionAlgorithm.winograd.run { try Autocast.run(on: .cpu, dtype: .bfloat16) { try F.conv2d(x, weight: w, padding: 1) } }
        #expect(ConvolutionAlgorithm.winogradForwards == before)
        #expect(y.dtype == .bfloat16)
    }

    @Test("a second derivative through a Winograd convolution (create_graph) equals libtorch's")
    func secondDerivative() throws {
        let (x, w, _, r) = try tensors(n: 2, c: 16, side: 8, oc: 16, padding: 1, channelsLast: false, seed: 5)
        // d/dw of ‖∂(Σ y·r)/∂x‖², GradAlign's kind of term.
        func run(_ algorithm: ConvolutionAlgorithm) throws -> Tensor {
            let (xi, wi) = (try x.detached().requiringGrad(), try w.detached().requiringGrad())
            return try algorithm.run {
                let y = try F.conv2d(xi, weight: wi, padding: 1)
                let gx = try grad(of: (y * r).sum(), wrt: [xi], createGraph: true)[0]
                return try grad(of: (gx * gx).sum(), wrt: [wi])[0]
            }
        }
        let (winograd, direct) = (try run(.winograd), try run(.direct))
        #expect(try direct.abs().max().item() > 0)
        #expect(try relativeError(winograd, direct) < 1e-4)
    }

    @Test("the switch is this thread's, restored after run, and off by default")
    func scopedPerThread() throws {
        #expect(ConvolutionAlgorithm.current == .direct)
        try ConvolutionAlgorithm.winograd.run {
            #expect(ConvolutionAlgorithm.current == .winograd)
            let other = Thread { #expect(ConvolutionAlgorithm.current == .direct) }
            other.start()
            while !other.isFinished { usleep(1000) }
            try ConvolutionAlgorithm.direct.run { #expect(ConvolutionAlgorithm.current == .direct) }
            #expect(ConvolutionAlgorithm.current == .winograd)
        }
        #expect(ConvolutionAlgorithm.current == .direct)
    }
}
