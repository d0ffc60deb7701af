// Stateless.swift: layers without tensors of their own (no state_dict keys, as in PyTorch).
import Torch

/// max(x, 0), element-wise; no `state_dict` keys.
public final class ReLU: Layer {
    public var training = true
    public init() {}
    public func callAsFunction(_ input: Tensor) throws -> Tensor { try F.relu(input) }
}

/// Flattens every dimension after the batch one.
public final class Flatten: Layer {
    public var training = true
    public init() {}
    public func callAsFunction(_ input: Tensor) throws -> Tensor { try input.flattened(from: 1) }
}

/// (x − mean) / std per channel. Normalisation lives inside the model so that attacks and ε work
/// on pixels in [0, 1] (docs/attacks.md §13.4); it adds no state_dict key (docs/methods.md §8).
public final class Normalize: Layer {
    public let mean: [Float]
    public let std: [Float]
    private let meanTensor: Tensor
    private let stdTensor: Tensor
    public var training = true

    public init(mean: [Float], std: [Float], device: Device = .cpu) throws {
        guard mean.count == std.count, !mean.isEmpty, std.allSatisfy({ $0 > 0 }) else {
            throw NNError("Normalize needs one mean and one positive std per channel, got mean \(mean), std \(std)")
        }
        self.mean = mean
        self.std = std
        meanTensor = try Tensor(mean, shape: [1, mean.count, 1, 1], on: device)
        stdTensor = try Tensor(std, shape: [1, std.count, 1, 1], on: device)
    }

    public func callAsFunction(_ input: Tensor) throws -> Tensor {
        try (input - meanTensor) / stdTensor
    }
}
