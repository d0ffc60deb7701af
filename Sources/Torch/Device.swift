// Device.swift: where a tensor lives. Crosses the C boundary as an int (-1 CPU, n CUDA n), as in tch-rs.
import CTorch

/// A compute device.
public enum Device: Equatable, Hashable, Sendable, CustomStringConvertible {
    case cpu
    case cuda(Int)

    /// Parses `cpu`, `cuda` and `cuda:N`, as PyTorch's `torch.device` does.
    public init(parsing text: String) throws {
        let lower = text.lowercased()
        if lower == "cpu" {
            self = .cpu
        } else if lower == "cuda" {
            self = .cuda(0)
        } else if lower.hasPrefix("cuda:"), let index = Int(lower.dropFirst(5)), index >= 0 {
            self = .cuda(index)
        } else {
            throw TorchError("unknown device '\(text)': expected cpu, cuda or cuda:N")
        }
    }

    init(code: Int32) {
        self = code < 0 ? .cpu : .cuda(Int(code))
    }

    var code: Int32 {
        switch self {
        case .cpu: Int32(DT_DEVICE_CPU)
        case .cuda(let index): Int32(index)
        }
    }

    public var description: String {
        switch self {
        case .cpu: "cpu"
        case .cuda(let index): "cuda:\(index)"
        }
    }

    /// Number of CUDA devices libtorch can use; 0 with a CPU-only libtorch (Debian's).
    public static var cudaDeviceCount: Int { Int(dt_cuda_device_count()) }

    /// Throws a clear error when this device cannot be used with the libtorch deat was built against.
    public func validate() throws {
        guard case .cuda(let index) = self else { return }
        let count = Device.cudaDeviceCount
        if count == 0 {
            throw TorchError(
                "\(self) requested, but this deat is built against a libtorch without CUDA (\(Runtime.libtorchVersion)); "
                    + "rebuild with LIBTORCH pointing at a CUDA libtorch (see README, 'Using a CUDA libtorch')")
        }
        if index >= count {
            throw TorchError("\(self) requested, but only \(count) CUDA device(s) are visible (cuda:0…cuda:\(count - 1))")
        }
    }

    /// Waits until every kernel queued on this device has finished (no-op on CPU); for timing.
    public func synchronize() throws {
        guard case .cuda = self else { return }
        try checkedCall { dt_cuda_synchronize(code, $0) }
    }
}
