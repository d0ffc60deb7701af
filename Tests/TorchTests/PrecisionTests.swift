// Memory layout and mixed precision (speed-ups for GPUs, checked on the CPU): channels-last keeps
// values and only changes strides; setData swaps a tensor's storage under its holders; autocast runs
// listed ops in bfloat16 inside its region only, and refuses float16 on the CPU.
import Testing
import TestSupport
import Torch

@Suite("Precision and layout")
struct PrecisionTests {
    @Test("channels-last keeps shape and values, changes strides, and converts back")
    func channelsLast() throws {
        let x = try Tensor.rand([2, 3, 4, 5], generator: Generator(seed: 1))
        let nhwc = try x.to(memoryFormat: .channelsLast)
        #expect(nhwc.isChannelsLast && !x.isChannelsLast)
        #expect(nhwc.shape == [2, 3, 4, 5])
        #expect(try nhwc.floats() == x.floats())  // reads are row-major whatever the strides
        #expect(try !nhwc.to(memoryFormat: .contiguous).isChannelsLast)
        #expect(try !Tensor.rand([3, 4]).to(memoryFormat: .contiguous).isChannelsLast)
    }

    @Test("a convolution gives the same output with channels-last input and weight")
    func convolution() throws {
        let g = try Generator(seed: 2)
        let x = try Tensor.rand([2, 3, 8, 8], generator: g)
        let w = try Tensor.rand([4, 3, 3, 3], generator: g)
        let reference = try F.conv2d(x, weight: w, padding: 1)
        let weight = try w.cloned()
        try weight.setData(weight.to(memoryFormat: .channelsLast))
        #expect(weight.isChannelsLast)
        let output = try F.conv2d(x.to(memoryFormat: .channelsLast), weight: weight, padding: 1)
        #expect(try (output - reference).abs().max().item() < 1e-5)
    }

    @Test("autocast runs a matrix product in bfloat16 inside its region only")
    func autocastRegion() throws {
        let a = try Tensor.rand([4, 4]), b = try Tensor.rand([4, 4])
        #expect(!Autocast.isEnabled(on: .cpu))
        let inside = try Autocast.run(on: .cpu, dtype: .bfloat16) {
            #expect(Autocast.isEnabled(on: .cpu))
            return try a.matmul(b)
        }
        #expect(inside.dtype == .bfloat16)
        #expect(!Autocast.isEnabled(on: .cpu))
        #expect(try a.matmul(b).dtype == .float32)
        #expect(try (inside.to(dtype: .float32) - a.matmul(b)).abs().max().item() < 0.05)
    }

    @Test("float16 autocast and non-float precisions are refused on the CPU")
    func refused() {
        #expect(throws: TorchError.self) { try Autocast.run(on: .cpu, dtype: .float16) {} }
        #expect(throws: TorchError.self) { try Autocast.run(on: .cpu, dtype: .float32) {} }
        #expect(!Autocast.isEnabled(on: .cpu))
    }

    @Test("to(memoryFormat:) restrides a 1-channel tensor, as PyTorch's .to does, so oneDNN reads a conv1 weight as channels-last")
    func oneChannelRestrided() throws {
        let w = try Tensor.rand([32, 1, 3, 3])
        #expect(w.strides == [9, 9, 3, 1])
        #expect(try w.to(memoryFormat: .channelsLast).strides == [9, 1, 3, 1])
    }

    @Test("global average pooling of a channels-last batch equals NCHW's, and its gradient stays channels-last")
    func globalPoolChannelsLast() throws {
        let x = try Tensor.randn([4, 8, 5, 5], generator: Generator(seed: 6))
        let nhwc = try x.to(memoryFormat: .channelsLast).requiringGrad()
        let pooled = try F.adaptiveAvgPool2d(nhwc, outputSize: (1, 1))
        #expect(pooled.shape == [4, 8, 1, 1])
        expectClose(try pooled.doubles(), try F.adaptiveAvgPool2d(x, outputSize: (1, 1)).doubles(), rtol: 1e-6, atol: 1e-7)
        let r = try Tensor.randn([4, 8, 1, 1], generator: Generator(seed: 7))
        let gradient = try grad(of: (pooled * r).sum(), wrt: nhwc)
        #expect(gradient.isChannelsLast, "strides \(gradient.strides)")
        expectClose(try gradient.doubles(), try (r / 25).expanded(to: [4, 8, 5, 5]).doubles(), rtol: 1e-6, atol: 1e-7)
    }

    @Test("the fused signed step on channels-last tensors equals the composed ops and keeps their layout")
    func signStepChannelsLast() throws {
        let g = try Generator(seed: 8)
        let cl = { (t: Tensor) throws -> Tensor in try t.to(memoryFormat: .channelsLast) }
        let x = try cl(Tensor.rand([2, 3, 4, 5], generator: g))
        let delta = try cl(Tensor.uniform([2, 3, 4, 5], low: -0.2, high: 0.2, generator: g))
        let gradient = try cl(Tensor.randn([2, 3, 4, 5], generator: g))
        let (low, high) = (try -x, try 1 - x)
        let fused = try delta.signStep(gradient, stepSize: 0.05, epsilon: 0.1, low: low, high: high)
        let composed = try (delta + gradient.sign() * 0.05).clamped(min: -0.1, max: 0.1).clamped(min: low, max: high)
        #expect(fused.isChannelsLast)
        #expect(try fused.floats() == composed.floats())
    }
}
