// ConvolutionAlgorithm.swift: which kernels the CPU's 3×3 stride-1 convolutions run on. libtorch 1.13
// asks oneDNN for direct convolutions only; oneDNN's Winograd F(4×4, 3×3) kernels run the same
// convolutions 2–3× faster on AVX-512 in all three passes, with float32 rounding a few times larger
// (docs/benchmarks.md "Winograd convolutions"). The choice is per thread, like autocast, so that
// training can use Winograd while evaluation in the same process stays with libtorch's kernels.
import CTorch

/// The kernels of CPU float32 3×3 stride-1 convolutions (every other convolution is unaffected).
public enum ConvolutionAlgorithm: String, Codable, Sendable, CaseIterable {
    /// libtorch's own choice: oneDNN's direct kernels.
    case direct
    /// oneDNN's Winograd kernels, where oneDNN has one for the shape; direct otherwise.
    case winograd

    /// Whether this build has the Winograd kernels: it needs the oneDNN headers (libdnnl-dev) of the
    /// oneDNN that libtorch itself runs on, which is the case for Debian's libtorch-dev.
    public static var winogradAvailable: Bool { dt_winograd_available() }

    /// Convolutions this thread has run forward through the Winograd kernels so far (tests and
    /// benchmarks check with it that they ran).
    public static var winogradForwards: UInt64 { dt_winograd_forwards() }

    /// What training on `device` runs by default (`deat train`, `deat bench paper`): Winograd on the
    /// CPU where this build has it, direct otherwise (on CUDA cuDNN picks its own kernels).
    public static func fastest(on device: Device) -> ConvolutionAlgorithm {
        device == .cpu && winogradAvailable ? .winograd : .direct
    }

    /// This thread's current algorithm.
    public static var current: ConvolutionAlgorithm { dt_winograd_enabled() ? .winograd : .direct }

    /// Runs `body` with this thread's convolutions on this algorithm, then restores the previous one.
    /// Throws for `.winograd` in a build without it.
    public func run<R>(_ body: () throws -> R) throws -> R {
        if self == .winograd, !Self.winogradAvailable {
            throw TorchError(
                "Winograd convolutions are not in this build: they need oneDNN's headers (apt install libdnnl-dev) and Debian's libtorch-dev, then a rebuild")
        }
        let previous = dt_set_winograd(self == .winograd)
        defer { dt_set_winograd(previous) }
        return try body()
    }
}
