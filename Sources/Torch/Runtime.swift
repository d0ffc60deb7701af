// Runtime.swift: process-wide libtorch settings: threads, the global seed, the version.
import CTorch

/// Process-wide libtorch settings.
public enum Runtime {
    /// deat's own version, recorded in checkpoints and reports.
    public static let deatVersion = "0.1.0"

    /// The libtorch version deat is linked against, e.g. "1.13.0".
    public static var libtorchVersion: String { "libtorch " + String(cString: dt_version()) }

    /// libtorch's intra-op thread count. Its default on some machines is 1, so deat sets it
    /// explicitly (and so must every PyTorch script compared with deat).
    public static var threads: Int {
        get { Int(dt_get_num_threads()) }
        set { dt_set_num_threads(Int32(max(1, newValue))) }
    }

    /// Seeds libtorch's default generators (CPU and CUDA), like `torch.manual_seed`.
    public static func manualSeed(_ seed: UInt64) {
        dt_manual_seed(seed)
    }
}
