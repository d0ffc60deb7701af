// BatchNorm2d.swift: batch normalisation over channels with PyTorch's state: `weight`, `bias`
// (parameters), then `running_mean`, `running_var`, `num_batches_tracked` (buffers), in that order.
import Torch

/// Batch normalisation over channels with PyTorch's state: `weight`, `bias` (parameters), then
/// `running_mean`, `running_var`, `num_batches_tracked` (buffers).
public final class BatchNorm2d: Layer {
    public let weight: Tensor
    public let bias: Tensor
    public let runningMean: Tensor
    public let runningVar: Tensor
    /// int64 scalar, +1 per training-mode forward (PyTorch keeps it for momentum=None averaging).
    public let numBatchesTracked: Tensor
    public let momentum: Double
    public let eps: Double
    public var training = true

    /// Weight 1, bias 0, running mean 0, running variance 1, as `nn.BatchNorm2d`.
    public init(_ channels: Int, momentum: Double = 0.1, eps: Double = 1e-5, device: Device = .cpu) throws {
        guard channels > 0, momentum >= 0, momentum <= 1, eps > 0 else {
            throw NNError("BatchNorm2d(\(channels), momentum: \(momentum), eps: \(eps)) is not valid")
        }
        weight = try Tensor.ones([channels], device: device).requiringGrad()
        bias = try Tensor.zeros([channels], device: device).requiringGrad()
        runningMean = try Tensor.zeros([channels], device: device)
        runningVar = try Tensor.ones([channels], device: device)
        numBatchesTracked = try Tensor.zeros([], dtype: .int64, device: device)
        self.momentum = momentum
        self.eps = eps
    }

    public var localParameters: [(name: String, tensor: Tensor)] { [("weight", weight), ("bias", bias)] }

    public var localBuffers: [(name: String, tensor: Tensor)] {
        [("running_mean", runningMean), ("running_var", runningVar), ("num_batches_tracked", numBatchesTracked)]
    }

    /// Train mode: batch statistics, running statistics updated in place. Eval mode: running statistics.
    public func callAsFunction(_ input: Tensor) throws -> Tensor {
        if training {
            try withNoGrad { try numBatchesTracked.addInPlace(1) }
        }
        return try F.batchNorm(
            input, weight: weight, bias: bias, runningMean: runningMean, runningVar: runningVar, training: training,
            momentum: momentum, eps: eps)
    }
}
