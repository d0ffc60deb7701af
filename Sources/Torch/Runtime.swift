// Runtime.swift: process-wide libtorch settings: threads, the global seed, the version, and the
// host allocator's behaviour.
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

    /// Makes libtorch's loops on the calling thread serial, leaving every other thread's as they are.
    ///
    /// For helper threads (the data loaders' workers). A helper that runs a loop large enough to be
    /// parallel starts an OpenMP team of its own; libgomp then manages more threads than there are
    /// cores, and it cuts the time its threads spin at a barrier from about 300,000 iterations to
    /// 1,000, for every team, the training thread's included. The training thread's partner then
    /// sleeps and is woken (a futex round trip) at almost every parallel op: on 2 cores a FREE-8 run
    /// made about 100 voluntary context switches per replay, and its epoch took 10 % longer than
    /// with a serial loader (docs/benchmarks.md, "Where the training loop's time goes").
    public static func makeThreadSerial() {
        dt_serial_thread()
    }

    /// Seeds libtorch's default generators (CPU and CUDA), like `torch.manual_seed`.
    public static func manualSeed(_ seed: UInt64) {
        dt_manual_seed(seed)
    }

    /// Keeps freed tensor memory in the process instead of returning it to the kernel.
    ///
    /// libtorch's CPU allocator takes every tensor from malloc. With glibc's defaults, buffers above
    /// the mmap threshold get fresh pages on each allocation, and a freed heap top is given back by
    /// brk. A training step allocates and frees the same large activations again and again, so each
    /// step paid page faults and page zeroing: `perf` showed about 30 % of deat's time in the
    /// kernel. Raising both thresholds made a FREE-8 epoch about 1.45× faster, closing the gap with
    /// PyTorch's Python process, whose start-up happens to raise glibc's dynamic threshold. Call it
    /// once at start-up; the cost is that peak memory stays resident until the process exits.
    public static func keepFreedMemory() {
        dt_keep_freed_memory()
    }
}
