// PreActResNet18.swift: PreActResNet-18 exactly as locuslab/fast_adversarial (and DEAT) define it
// (docs/methods.md §4.1): stem conv without BN, 4 stages × 2 pre-activation blocks, the
// shortcut applied to the raw block input, ReLU(bn) → avg_pool 4 → linear. 11,172,170 parameters,
// 107 state_dict entries; keys such as `layer2.0.shortcut.0.weight`, `bn.num_batches_tracked`.
// PyTorch twin: scripts/bench/models.py `PreActResNet18`.
import NN
import Torch

/// One pre-activation block: out = conv2(relu(bn2(conv1(relu(bn1(x)))))) + shortcut(x).
public final class PreActBlock: Layer {
    public let bn1: BatchNorm2d
    public let conv1: Conv2d
    public let bn2: BatchNorm2d
    public let conv2: Conv2d
    /// `shortcut.0`: a 1×1 strided conv when the shape changes; identity otherwise (no key).
    public let shortcut: Sequential?
    public var training = true

    public init(_ inPlanes: Int, _ planes: Int, stride: Int, device: Device, generator: Generator?) throws {
        bn1 = try BatchNorm2d(inPlanes, device: device)
        conv1 = try Conv2d(inPlanes, planes, kernelSize: 3, stride: stride, padding: 1, bias: false, device: device, generator: generator)
        bn2 = try BatchNorm2d(planes, device: device)
        conv2 = try Conv2d(planes, planes, kernelSize: 3, padding: 1, bias: false, device: device, generator: generator)
        shortcut = stride != 1 || inPlanes != planes
            ? Sequential([try Conv2d(inPlanes, planes, kernelSize: 1, stride: stride, bias: false, device: device, generator: generator)])
            : nil
    }

    public var children: [(name: String, module: any Module)] {
        [("bn1", bn1), ("conv1", conv1), ("bn2", bn2), ("conv2", conv2)] + (shortcut.map { [("shortcut", $0)] } ?? [])
    }

    public func callAsFunction(_ x: Tensor) throws -> Tensor {
        let out = try F.relu(bn1(x))
        // fast_adversarial applies the shortcut to x, not to relu(bn1(x)) (the kuangliu variant does the latter).
        let skip = try shortcut?(x) ?? x
        return try conv2(F.relu(bn2(conv1(out)))) + skip
    }
}

/// PreActResNet-18 exactly as locuslab/fast_adversarial and DEAT define it (11,172,170 parameters,
/// 107 `state_dict` entries), for 32 × 32 images such as CIFAR-10.
public final class PreActResNet18: SplitAtFirstLayer {
    public let normalize: Normalize
    public let conv1: Conv2d
    public let layer1: Sequential, layer2: Sequential, layer3: Sequential, layer4: Sequential
    public let bn: BatchNorm2d
    public let linear: Linear
    public var training = true

    public init(
        classes: Int = 10, normalization: Normalization = .cifar10, device: Device = .cpu, generator: Generator? = nil
    ) throws {
        normalize = try Normalize(mean: normalization.mean, std: normalization.std, device: device)
        conv1 = try Conv2d(normalization.mean.count, 64, kernelSize: 3, padding: 1, bias: false, device: device, generator: generator)
        var inPlanes = 64
        func stage(_ planes: Int, stride: Int) throws -> Sequential {
            let first = try PreActBlock(inPlanes, planes, stride: stride, device: device, generator: generator)
            let second = try PreActBlock(planes, planes, stride: 1, device: device, generator: generator)
            inPlanes = planes
            return Sequential([first, second])
        }
        layer1 = try stage(64, stride: 1)
        layer2 = try stage(128, stride: 2)
        layer3 = try stage(256, stride: 2)
        layer4 = try stage(512, stride: 2)
        bn = try BatchNorm2d(512, device: device)
        linear = try Linear(512, classes, device: device, generator: generator)
    }

    public var children: [(name: String, module: any Module)] {
        [("conv1", conv1), ("layer1", layer1), ("layer2", layer2), ("layer3", layer3), ("layer4", layer4), ("bn", bn), ("linear", linear)]
    }

    /// Logits for images in [0, 1], shape [N, 3, 32, 32].
    public func callAsFunction(_ input: Tensor) throws -> Tensor {
        try rest(firstLayer(input))
    }

    /// conv1 of the normalised images (YOPO's `layer_one`).
    public func firstLayer(_ input: Tensor) throws -> Tensor {
        try conv1(normalize(input))
    }

    public func rest(_ firstLayerOutput: Tensor) throws -> Tensor {
        var out = try layer4(layer3(layer2(layer1(firstLayerOutput))))
        out = try F.avgPool2d(F.relu(bn(out)), kernel: 4)
        return try linear(out.flattened(from: 1))
    }
}
