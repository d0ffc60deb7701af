// Precision.swift: memory layout and mixed precision, for speed on GPUs. Channels-last (NHWC strides) lets
// cuDNN and oneDNN pick their fastest convolution kernels; autocast runs the ops on libtorch's
// autocast list (convolutions, matrix products) in bfloat16 or float16 while keeping parameters,
// losses and reductions in float32, as torch.autocast does. Evaluation stays in float32 (docs/attacks.md
// §13.5): lower precision can hide gradients from an attack.
import CTorch

/// How a 4-D tensor's elements are laid out in memory: contiguous NCHW, or channels-last (NHWC
/// strides), which cuDNN's and oneDNN's fastest convolution kernels expect. Shapes are the same in both.
public enum MemoryFormat: Int32, Sendable {
    case contiguous = 0
    /// NHWC strides for 4-D tensors (the shape stays NCHW).
    case channelsLast = 1
}

extension Tensor {
    /// This tensor laid out in `format` (an alias when it already is).
    public func to(memoryFormat format: MemoryFormat) throws -> Tensor {
        try tensorCall { dt_to_memory_format(handle, format.rawValue, $0) }
    }

    /// Whether this is a 4-D tensor with channels-last strides.
    public var isChannelsLast: Bool { dt_is_channels_last(handle) }

    /// Gives this tensor `source`'s storage, layout and device while it stays the same object
    /// (PyTorch's `t.data = source`): how parameters change layout under the layers holding them.
    public func setData(_ source: Tensor) throws {
        try checkedCall { dt_set_data(handle, source.handle, $0) }
    }
}

/// Mixed precision for a region of code (torch.autocast).
public enum Autocast {
    /// Runs `body` with autocast on for `device`'s type in `dtype` (.bfloat16, or .float16 on
    /// CUDA), then restores the previous state. Autocast state is per thread.
    public static func run<R>(on device: Device, dtype: DType, _ body: () throws -> R) throws -> R {
        guard dtype == .bfloat16 || dtype == .float16 else {
            throw TorchError("autocast runs in bfloat16 or float16, not \(dtype)")
        }
        let type: Int32 = if case .cuda = device { 1 } else { 0 }
        if type == 0, dtype == .float16 {
            throw TorchError("autocast on the CPU supports bfloat16 only; use bf16, or fp16 on CUDA")
        }
        let wasEnabled = dt_autocast_enabled(type)
        try checkedCall { dt_autocast_set(type, true, dtype.rawValue, $0) }
        defer { if !wasEnabled { try? checkedCall { dt_autocast_set(type, false, dtype.rawValue, $0) } } }
        return try body()
    }

    /// Whether autocast is on for `device`'s type on this thread.
    public static func isEnabled(on device: Device) -> Bool {
        if case .cuda = device { return dt_autocast_enabled(1) }
        return dt_autocast_enabled(0)
    }
}
