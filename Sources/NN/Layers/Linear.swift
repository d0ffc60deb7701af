// Linear.swift: y = x·Wᵀ + b with PyTorch's names (`weight` [out, in], `bias` [out]).
import Torch

/// y = x·Wᵀ + b with PyTorch's names: `weight` [out, in] and `bias` [out].
public final class Linear: Layer {
    public let weight: Tensor
    public let bias: Tensor?
    public var training = true

    /// Initialised as `nn.Linear` does (kaiming-uniform a=√5, bias U(±1/√in)), from `generator`.
    public init(_ inFeatures: Int, _ outFeatures: Int, bias: Bool = true, device: Device = .cpu, generator: Generator? = nil) throws {
        guard inFeatures > 0, outFeatures > 0 else {
            throw NNError("Linear(\(inFeatures), \(outFeatures)) needs positive sizes")
        }
        weight = try Init.kaimingUniformDefault([outFeatures, inFeatures], fanIn: inFeatures, device: device, generator: generator)
            .requiringGrad()
        self.bias = bias ? try Init.biasUniform(outFeatures, fanIn: inFeatures, device: device, generator: generator).requiringGrad() : nil
    }

    public var localParameters: [(name: String, tensor: Tensor)] {
        [("weight", weight)] + (bias.map { [("bias", $0)] } ?? [])
    }

    public func callAsFunction(_ input: Tensor) throws -> Tensor {
        try F.linear(input, weight: weight, bias: bias)
    }
}
