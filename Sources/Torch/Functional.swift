// Functional.swift: the stateless neural-network ops that layers, losses and attacks are made of,
// as in `torch.nn.functional`. Reductions follow PyTorch: `.mean` over the batch by default.
import CTorch

/// How a loss combines per-example values (libtorch's codes).
public enum Reduction: Int64, Sendable {
    case none = 0
    case mean = 1
    case sum = 2
}

/// `torch.nn.functional`: conv, pooling, normalisation, activations and losses.
public enum F {
    public static func conv2d(
        _ x: Tensor, weight: Tensor, bias: Tensor? = nil, stride: Int = 1, padding: Int = 0, dilation: Int = 1,
        groups: Int = 1
    ) throws -> Tensor {
        let s = [Int64(stride), Int64(stride)], p = [Int64(padding), Int64(padding)]
        let d = [Int64(dilation), Int64(dilation)]
        return try tensorCall { dt_conv2d(x.handle, weight.handle, bias?.handle, s, p, d, Int64(groups), $0) }
    }

    /// y = x·Wᵀ + b
    public static func linear(_ x: Tensor, weight: Tensor, bias: Tensor? = nil) throws -> Tensor {
        try tensorCall { dt_linear(x.handle, weight.handle, bias?.handle, $0) }
    }

    /// Batch normalisation; in training it uses batch statistics and updates the running ones
    /// in place (running = (1 − momentum)·running + momentum·batch, unbiased variance), as PyTorch.
    public static func batchNorm(
        _ x: Tensor, weight: Tensor?, bias: Tensor?, runningMean: Tensor?, runningVar: Tensor?, training: Bool,
        momentum: Double = 0.1, eps: Double = 1e-5
    ) throws -> Tensor {
        try tensorCall {
            dt_batch_norm(
                x.handle, weight?.handle, bias?.handle, runningMean?.handle, runningVar?.handle, training, momentum, eps,
                $0)
        }
    }

    public static func relu(_ x: Tensor) throws -> Tensor { try tensorCall { dt_relu(x.handle, $0) } }

    public static func leakyRelu(_ x: Tensor, slope: Double = 0.01) throws -> Tensor {
        try tensorCall { dt_leaky_relu(x.handle, slope, $0) }
    }

    public static func maxPool2d(
        _ x: Tensor, kernel: Int, stride: Int? = nil, padding: Int = 0, dilation: Int = 1, ceilMode: Bool = false
    ) throws -> Tensor {
        let k = [Int64(kernel), Int64(kernel)], s = [Int64(stride ?? kernel), Int64(stride ?? kernel)]
        let p = [Int64(padding), Int64(padding)], d = [Int64(dilation), Int64(dilation)]
        return try tensorCall { dt_max_pool2d(x.handle, k, s, p, d, ceilMode, $0) }
    }

    public static func avgPool2d(
        _ x: Tensor, kernel: Int, stride: Int? = nil, padding: Int = 0, ceilMode: Bool = false,
        countIncludePad: Bool = true
    ) throws -> Tensor {
        let k = [Int64(kernel), Int64(kernel)], s = [Int64(stride ?? kernel), Int64(stride ?? kernel)]
        let p = [Int64(padding), Int64(padding)]
        return try tensorCall { dt_avg_pool2d(x.handle, k, s, p, ceilMode, countIncludePad, $0) }
    }

    public static func adaptiveAvgPool2d(_ x: Tensor, outputSize: (Int, Int)) throws -> Tensor {
        let size = [Int64(outputSize.0), Int64(outputSize.1)]
        return try tensorCall { dt_adaptive_avg_pool2d(x.handle, size, $0) }
    }

    /// Inverted dropout; identity when `training` is false. Draws from libtorch's default generator.
    public static func dropout(_ x: Tensor, p: Double, training: Bool) throws -> Tensor {
        try tensorCall { dt_dropout(x.handle, p, training, $0) }
    }

    public static func softmax(_ x: Tensor, dim: Int) throws -> Tensor {
        try tensorCall { dt_softmax(x.handle, Int64(dim), $0) }
    }

    public static func logSoftmax(_ x: Tensor, dim: Int) throws -> Tensor {
        try tensorCall { dt_log_softmax(x.handle, Int64(dim), $0) }
    }

    /// Cross-entropy of logits [N, C] against int64 class indices [N].
    public static func crossEntropy(
        _ logits: Tensor, target: Tensor, reduction: Reduction = .mean, labelSmoothing: Double = 0
    ) throws -> Tensor {
        try tensorCall { dt_cross_entropy(logits.handle, target.handle, reduction.rawValue, labelSmoothing, $0) }
    }

    /// Negative log-likelihood of log-probabilities [N, C] against class indices [N].
    public static func nllLoss(_ logProbabilities: Tensor, target: Tensor, reduction: Reduction = .mean) throws -> Tensor {
        try tensorCall { dt_nll_loss(logProbabilities.handle, target.handle, reduction.rawValue, $0) }
    }

    /// KL(target ‖ input) with `input` given as log-probabilities, like `F.kl_div`. For PyTorch's
    /// "batchmean" (what TRADES uses), take `.sum` and divide by the batch size.
    public static func klDiv(
        _ input: Tensor, target: Tensor, reduction: Reduction = .mean, logTarget: Bool = false
    ) throws -> Tensor {
        try tensorCall { dt_kl_div(input.handle, target.handle, reduction.rawValue, logTarget, $0) }
    }

    public static func mseLoss(_ input: Tensor, target: Tensor, reduction: Reduction = .mean) throws -> Tensor {
        try tensorCall { dt_mse_loss(input.handle, target.handle, reduction.rawValue, $0) }
    }
}
