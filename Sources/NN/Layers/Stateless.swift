// Stateless.swift: layers without tensors of their own (no state_dict keys, as in PyTorch).
import Torch

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

public final class AdaptiveAvgPool2d: Layer {
    public let outputSize: (Int, Int)
    public var training = true
    public init(_ outputSize: (Int, Int) = (1, 1)) { self.outputSize = outputSize }
    public func callAsFunction(_ input: Tensor) throws -> Tensor { try F.adaptiveAvgPool2d(input, outputSize: outputSize) }
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

public final class LeakyReLU: Layer {
    public let slope: Double
    public var training = true
    public init(slope: Double = 0.01) { self.slope = slope }
    public func callAsFunction(_ input: Tensor) throws -> Tensor { try F.leakyRelu(input, slope: slope) }
}

public final class MaxPool2d: Layer {
    public let kernel: Int, stride: Int, padding: Int
    public var training = true
    public init(kernel: Int, stride: Int? = nil, padding: Int = 0) {
        self.kernel = kernel
        self.stride = stride ?? kernel
        self.padding = padding
    }
    public func callAsFunction(_ input: Tensor) throws -> Tensor {
        try F.maxPool2d(input, kernel: kernel, stride: stride, padding: padding)
    }
}

public final class AvgPool2d: Layer {
    public let kernel: Int, stride: Int, padding: Int
    public var training = true
    public init(kernel: Int, stride: Int? = nil, padding: Int = 0) {
        self.kernel = kernel
        self.stride = stride ?? kernel
        self.padding = padding
    }
    public func callAsFunction(_ input: Tensor) throws -> Tensor {
        try F.avgPool2d(input, kernel: kernel, stride: stride, padding: padding)
    }
}

/// Zeroes each element with probability p in train mode (scaling the rest by 1/(1−p)); identity in eval.
public final class Dropout: Layer {
    public let p: Double
    public var training = true
    public init(p: Double = 0.5) throws {
        guard p >= 0, p < 1 else { throw NNError("Dropout probability must be in [0, 1), got \(p)") }
        self.p = p
    }
    public func callAsFunction(_ input: Tensor) throws -> Tensor {
        p == 0 ? input : try F.dropout(input, p: p, training: training)
    }
}
