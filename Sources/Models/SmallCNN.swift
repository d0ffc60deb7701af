// SmallCNN.swift: deat's model for Fashion-MNIST/MNIST (docs/methods.md §8 defaults).
// Three 3×3 convolutions (1→32, 32→64 stride 2, 64→128 stride 2), ReLU after each, global average
// pooling and a linear classifier: 28×28 → 28 → 14 → 7 → 1. Its PyTorch twin is
// scripts/bench/models.py `SmallCNN`, with the same state_dict keys:
//   conv1.weight [32,1,3,3] conv1.bias [32] conv2.weight [64,32,3,3] conv2.bias [64]
//   conv3.weight [128,64,3,3] conv3.bias [128] fc.weight [10,128] fc.bias [10]
// Normalisation (x − mean)/std is applied inside, with no state_dict key.
import NN
import Torch

/// deat's model for Fashion-MNIST and MNIST: three 3×3 convolutions (1→32, 32→64 stride 2, 64→128
/// stride 2) with ReLU, global average pooling and a linear classifier, on 28 × 28 images.
public final class SmallCNN: SplitAtFirstLayer {
    public let normalize: Normalize
    public let conv1: Conv2d
    public let conv2: Conv2d
    public let conv3: Conv2d
    public let fc: Linear
    public var training = true

    /// `normalization` has one entry per input channel (Fashion-MNIST's by default).
    public init(
        classes: Int = 10, normalization: Normalization = .fashionMNIST, device: Device = .cpu, generator: Generator? = nil
    ) throws {
        // Registration order = PyTorch's __init__ order, which fixes the draw order from `generator`.
        normalize = try Normalize(mean: normalization.mean, std: normalization.std, device: device)
        conv1 = try Conv2d(normalization.mean.count, 32, kernelSize: 3, padding: 1, device: device, generator: generator)
        conv2 = try Conv2d(32, 64, kernelSize: 3, stride: 2, padding: 1, device: device, generator: generator)
        conv3 = try Conv2d(64, 128, kernelSize: 3, stride: 2, padding: 1, device: device, generator: generator)
        fc = try Linear(128, classes, device: device, generator: generator)
    }

    public var children: [(name: String, module: any Module)] {
        [("conv1", conv1), ("conv2", conv2), ("conv3", conv3), ("fc", fc)]
    }

    /// Logits for images in [0, 1], shape [N, C, H, W].
    public func callAsFunction(_ input: Tensor) throws -> Tensor {
        if let logits = try blockedForward(input) { return logits }
        return try rest(firstLayer(input))
    }

    /// `rest(firstLayer(input))` with conv1's and conv2's outputs (and their ReLUs and gradients)
    /// kept in oneDNN's blocked layout: the same kernels and values (conv1's weight gradient to
    /// rounding, summed in another order), without the reorders libtorch's NCHW tensors cost around
    /// each convolution, a fifth of a training replay (docs/benchmarks.md "Blocked activations"). nil where it does not apply: a channels-last
    /// model (which runs oneDNN's NHWC kernels), not CPU float32, autocast, no oneDNN in this build.
    private func blockedForward(_ input: Tensor) throws -> Tensor? {
        guard !conv2.weight.isChannelsLast, let a1 = try conv1(normalize(input), from: .nchw, to: .blocked),
              let a2 = try conv2(F.relu(a1), from: .blocked, to: .blocked),
              let a3 = try conv3(F.relu(a2), from: .blocked, to: .nchw)
        else { return nil }
        return try classify(a3)
    }

    /// conv1 of the normalised images, before its ReLU.
    public func firstLayer(_ input: Tensor) throws -> Tensor {
        try conv1(normalize(input))
    }

    public func rest(_ firstLayerOutput: Tensor) throws -> Tensor {
        let x = try F.relu(conv2(F.relu(firstLayerOutput)))
        return try classify(conv3(x))
    }

    /// ReLU, global average pooling and the linear classifier on conv3's output.
    private func classify(_ conv3Output: Tensor) throws -> Tensor {
        try fc(F.adaptiveAvgPool2d(F.relu(conv3Output), outputSize: (1, 1)).flattened(from: 1))
    }
}
