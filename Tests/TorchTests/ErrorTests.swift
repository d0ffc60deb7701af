// libtorch failures reach Swift as thrown TorchErrors carrying libtorch's message, never as a
// crash and never with a C++ backtrace.
import Testing
import TestSupport
import Torch

@Suite("Errors across the C boundary")
struct ErrorTests {
    @Test("conv2d with the wrong channel count throws libtorch's message, without a backtrace")
    func convShapes() throws {
        let x = try Tensor.zeros([2, 3, 8, 8])
        let w = try Tensor.zeros([4, 1, 3, 3])
        let error = try #require(throws: TorchError.self) { try F.conv2d(x, weight: w) }
        #expect(error.message.contains("expected input[2, 3, 8, 8] to have 1 channels, but got 3 channels"))
        #expect(!error.message.contains("Exception raised from"))
        #expect(!error.message.contains("frame #"))
        #expect(!error.oneLine.contains("\n"))
    }

    @Test("mismatched shapes in element-wise ops and matmul throw")
    func shapes() throws {
        let a = try Tensor.zeros([2, 3]), b = try Tensor.zeros([4])
        let error = try #require(throws: TorchError.self) { try a * b }
        #expect(error.message.contains("must match the size of tensor b"))
        #expect(throws: TorchError.self) { try a.matmul(a) }
        #expect(throws: TorchError.self) { try F.crossEntropy(a, target: Tensor([5, 0] as [Int64])) }
    }

    @Test("a CUDA device on a CPU-only libtorch is a clear error", .enabled(if: Device.cudaDeviceCount == 0, "this libtorch has a CUDA device"))
    func cudaUnavailable() throws {
        let error = try #require(throws: TorchError.self) { try Tensor.zeros([1], device: .cuda(0)) }
        #expect(error.message.contains("without CUDA"))
        #expect(throws: TorchError.self) { try Generator(seed: 0, device: .cuda(0)) }
        #expect(throws: TorchError.self) { try Tensor.zeros([1]).to(device: .cuda(0)) }
    }

    @Test("a CUDA tensor round-trips when libtorch has CUDA", .enabled(if: Device.cudaDeviceCount > 0, "this libtorch has no CUDA device"))
    func cudaRoundTrip() throws {
        let x = try Tensor([1, 2, 3] as [Float], on: .cuda(0))
        #expect(x.device == .cuda(0))
        #expect(try (x * 2).to(device: .cpu).floats() == [2, 4, 6])
        #expect(throws: TorchError.self) { try Tensor.zeros([1], device: .cuda(Device.cudaDeviceCount)) }
    }

    @Test("device names parse like torch.device", arguments: [
        ("cpu", Device.cpu), ("cuda", .cuda(0)), ("cuda:3", .cuda(3)), ("CUDA:1", .cuda(1)),
    ])
    func parse(text: String, device: Device) throws {
        #expect(try Device(parsing: text) == device)
        #expect(try Device(parsing: device.description) == device)
    }

    @Test("unknown device names are rejected", arguments: ["gpu", "cuda:", "cuda:-1", "cuda:x", ""])
    func parseBad(text: String) {
        #expect(throws: TorchError.self) { try Device(parsing: text) }
    }
}
