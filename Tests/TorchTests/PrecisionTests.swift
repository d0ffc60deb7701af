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
}
