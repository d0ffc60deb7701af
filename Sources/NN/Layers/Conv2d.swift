// Conv2d.swift: a 2-D convolution with PyTorch's parameter names (`weight` [out, in/groups, k, k], `bias`).
import Torch

/// A 2-D convolution with PyTorch's parameter names: `weight` [out, in/groups, k, k] and `bias` [out].
public final class Conv2d: Layer {
    public let weight: Tensor
    public let bias: Tensor?
    public let stride: Int
    public let padding: Int
    public let groups: Int
    public var training = true

    /// Initialised as `nn.Conv2d` does (kaiming-uniform a=√5, bias U(±1/√fan_in)), from `generator`.
    public init(
        _ inChannels: Int, _ outChannels: Int, kernelSize: Int, stride: Int = 1, padding: Int = 0, groups: Int = 1,
        bias: Bool = true, device: Device = .cpu, generator: Generator? = nil
    ) throws {
        guard inChannels > 0, outChannels > 0, kernelSize > 0, stride > 0, padding >= 0, groups > 0,
            inChannels % groups == 0, outChannels % groups == 0
        else {
            throw NNError(
                "Conv2d(\(inChannels), \(outChannels), kernelSize: \(kernelSize), stride: \(stride), padding: \(padding), groups: \(groups)) is not a valid convolution")
        }
        let fanIn = inChannels / groups * kernelSize * kernelSize
        weight = try Init.kaimingUniformDefault(
            [outChannels, inChannels / groups, kernelSize, kernelSize], fanIn: fanIn, device: device, generator: generator
        ).requiringGrad()
        self.bias = bias ? try Init.biasUniform(outChannels, fanIn: fanIn, device: device, generator: generator).requiringGrad() : nil
        self.stride = stride
        self.padding = padding
        self.groups = groups
    }

    public var localParameters: [(name: String, tensor: Tensor)] {
        [("weight", weight)] + (bias.map { [("bias", $0)] } ?? [])
    }

    public func callAsFunction(_ input: Tensor) throws -> Tensor {
        try F.conv2d(input, weight: weight, bias: bias, stride: stride, padding: padding, groups: groups)
    }

    /// This layer with its input and output in the given layouts (Torch's `ActivationLayout`): the
    /// same values, without oneDNN's reorders on a blocked side. nil where that does not apply (see
    /// `F.conv2d(_:weight:bias:stride:padding:input:output:)`); then call the layer on NCHW tensors.
    public func callAsFunction(_ input: Tensor, from: ActivationLayout, to: ActivationLayout) throws -> Tensor? {
        guard groups == 1 else { return nil }
        return try F.conv2d(input, weight: weight, bias: bias, stride: stride, padding: padding, input: from, output: to)
    }
}
