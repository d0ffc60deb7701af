// BlockedConvolution.swift: convolutions whose input or output stays in oneDNN's blocked layout
// (CTorch's onednn_conv.cpp; docs/benchmarks.md "Blocked activations"). libtorch hands oneDNN NCHW
// tensors and oneDNN's kernels read and write a blocked layout, so each convolution reorders its
// input, its output and both their gradients: a fifth of a SmallCNN replay. A model whose
// convolutions follow each other with only element-wise ops between them keeps the activations
// blocked instead, as [N, C/16, H, W, 16] tensors, and runs the same kernels on the same values.
import CTorch

/// How a convolution's input or output holds its [N, C, H, W] values.
public enum ActivationLayout: Sendable {
    /// A plain [N, C, H, W] tensor (contiguous or channels-last).
    case nchw
    /// oneDNN's nChw16c: a contiguous [N, C/16, H, W, 16] tensor, value (n, c, h, w) at
    /// [n, c / 16, h, w, c % 16]. Element-wise ops (ReLU) apply to it as to any tensor.
    case blocked

    /// Convolutions this thread has run forward with a blocked input or output so far (tests and
    /// benchmarks check with it that the blocked path ran).
    public static var blockedForwards: UInt64 { dt_blocked_forwards() }
}

extension F {
    /// A 2-D convolution (dilation 1, one group) through oneDNN with `input` and `output` in the given
    /// layouts: the same kernels as `conv2d` without the reorders of a blocked side, and the same
    /// values, except that the weight gradient may be summed in another order (float32 rounding).
    /// nil where it does not apply: a build without oneDNN, another device or dtype than CPU float32,
    /// autocast on, a blocked side whose channels are not a multiple of 16, or no oneDNN kernel for
    /// the shape; then run `conv2d` on NCHW tensors.
    public static func conv2d(
        _ x: Tensor, weight: Tensor, bias: Tensor? = nil, stride: Int = 1, padding: Int = 0,
        input: ActivationLayout, output: ActivationLayout
    ) throws -> Tensor? {
        let s = [Int64(stride), Int64(stride)], p = [Int64(padding), Int64(padding)]
        let handle = try checkedCall {
            dt_conv2d_blocked(x.handle, weight.handle, bias?.handle, s, p, input == .blocked, output == .blocked, $0)
        }
        return handle.map { Tensor(owning: $0) }
    }
}

extension Tensor {
    /// This blocked [N, C/16, H, W, 16] tensor as NCHW [N, C, H, W] (tests, debugging).
    public func blockedToNCHW() throws -> Tensor {
        guard rank == 5, shape[4] == 16 else { throw TorchError("a blocked activation is [N, C/16, H, W, 16], not \(shape)") }
        return try permuted([0, 1, 4, 2, 3]).reshaped([shape[0], shape[1] * 16, shape[2], shape[3]])
    }
}
