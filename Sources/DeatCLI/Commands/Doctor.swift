// Doctor.swift: `deat doctor` reports what deat runs on (libtorch, threads, BLAS speed, devices,
// whether this build has its own oneDNN convolutions)
// and checks that a model runs on a batch of a given shape.
import ArgumentParser
import Foundation
import Models
import NN
import Torch

struct Doctor: ParsableCommand {
    static let configuration = CommandConfiguration(
        abstract: "Show libtorch, threads, devices and BLAS speed; check a model on an input shape.",
        discussion: """
            A BLAS figure far below 10 GFLOP/s usually means libopenblas0-pthread is missing \
            (`scripts/dev.sh deps` installs it).
            """
    )

    @Option(help: "Shape N,C,H,W of a batch to run SmallCNN (1 input channel) on.") var inputShape: String = "2,1,28,28"
    @OptionGroup var runtime: RuntimeOptions

    func validate() throws {
        _ = try parsedShape()
    }

    func parsedShape() throws -> [Int] {
        let parts = inputShape.split(separator: ",").map { Int($0.trimmingCharacters(in: .whitespaces)) }
        guard parts.count == 4, parts.allSatisfy({ ($0 ?? 0) > 0 }) else {
            throw ValidationError("--input-shape must be four positive integers N,C,H,W, got '\(inputShape)'")
        }
        return parts.map { $0! }
    }

    func run() throws {
        let device = try runtime.apply()
        print("deat \(Runtime.deatVersion), \(Runtime.libtorchVersion)")
        print("threads: \(Runtime.threads) (cores: \(ProcessInfo.processInfo.activeProcessorCount))")
        print("CUDA devices: \(Device.cudaDeviceCount)")
        print(String(format: "BLAS: %.1f GFLOP/s (512×512 float32 matmul)", try matmulGFLOPs(device: device)))
        print(ConvolutionAlgorithm.winogradAvailable
            ? "oneDNN convolutions: Winograd and blocked activations (deat train defaults to --convolutions winograd on the CPU)"
            : "oneDNN convolutions: not in this build (apt install libdnnl-dev, then rebuild deat); libtorch's kernels only")
        let model = try SmallCNN(device: device, generator: Generator(seed: runtime.seed))
        model.eval()
        let x = try Tensor.rand(parsedShape(), device: device)
        let logits = try withNoGrad { try model(x) }
        print("SmallCNN on \(x.shape): logits \(logits.shape) on \(device)")
    }

    func matmulGFLOPs(device: Device) throws -> Double {
        let a = try Tensor.rand([512, 512], device: device), b = try Tensor.rand([512, 512], device: device)
        _ = try a.matmul(b)
        let repeats = 20
        let start = Date()
        for _ in 0..<repeats { _ = try a.matmul(b) }
        try device.synchronize()
        return 2 * 512 * 512 * 512 * Double(repeats) / Date().timeIntervalSince(start) / 1e9
    }
}
