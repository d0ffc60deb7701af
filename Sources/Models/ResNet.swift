// ResNet.swift: torchvision's ImageNet ResNets (`torchvision.models.resnet18/50`, v1.5: the stride of
// a Bottleneck sits on its 3×3 conv), with torchvision's state_dict names and order, so a deat
// checkpoint loads into `torchvision.models.resnetNN(num_classes=N)` with strict=True and back
// (scripts/interop/torchvision_resnet.py). Stem 7×7/2 conv (no bias) → BN → ReLU → max pool 3/2
// pad 1; four stages `layer1..4` of blocks `layerS.i` with `downsample.0` (1×1 conv) and
// `downsample.1` (BN) when the stride or width changes; adaptive average pooling → `fc`. Any image
// side works (28×28 MNIST ends layer4 at 1×1), with as many input channels as `normalization`
// has. Init as torchvision: convs kaiming_normal_(fan_out, relu), BN 1/0, fc as
// nn.Linear, zero_init_residual=False. ResNet-18: 11,689,512 parameters at 1000 classes, 122
// state_dict entries; ResNet-50: 25,557,032, 320. Normalisation (x − mean)/std comes first, with
// no state_dict key; each dataset passes its own (docs/methods.md §4.3), image folders ImageNet's.
import NN
import Torch

/// torchvision's `BasicBlock` (expansion 1): relu(bn2(conv2(relu(bn1(conv1(x))))) + downsample(x)).
public final class ResNetBasicBlock: Layer {
    public static let expansion = 1
    public let conv1: Conv2d
    public let bn1: BatchNorm2d
    public let conv2: Conv2d
    public let bn2: BatchNorm2d
    /// `downsample.0` (1×1 strided conv) and `.1` (BN) when the shape changes; identity otherwise.
    public let downsample: Sequential?
    public var training = true

    init(_ inPlanes: Int, _ planes: Int, stride: Int, device: Device, generator: Generator?) throws {
        conv1 = try Conv2d(inPlanes, planes, kernelSize: 3, stride: stride, padding: 1, bias: false, device: device, generator: generator)
        bn1 = try BatchNorm2d(planes, device: device)
        conv2 = try Conv2d(planes, planes, kernelSize: 3, padding: 1, bias: false, device: device, generator: generator)
        bn2 = try BatchNorm2d(planes, device: device)
        downsample = try resNetDownsample(inPlanes, planes * Self.expansion, stride: stride, device: device, generator: generator)
    }

    public var children: [(name: String, module: any Module)] {
        [("conv1", conv1), ("bn1", bn1), ("conv2", conv2), ("bn2", bn2)] + (downsample.map { [("downsample", $0)] } ?? [])
    }

    public func callAsFunction(_ x: Tensor) throws -> Tensor {
        let out = try bn2(conv2(F.relu(bn1(conv1(x)))))
        return try F.relu(out + (downsample?(x) ?? x))
    }
}

/// torchvision's `Bottleneck` (expansion 4, v1.5): 1×1 → 3×3 (stride here) → 1×1 to 4·planes.
public final class ResNetBottleneck: Layer {
    public static let expansion = 4
    public let conv1: Conv2d
    public let bn1: BatchNorm2d
    public let conv2: Conv2d
    public let bn2: BatchNorm2d
    public let conv3: Conv2d
    public let bn3: BatchNorm2d
    public let downsample: Sequential?
    public var training = true

    init(_ inPlanes: Int, _ planes: Int, stride: Int, device: Device, generator: Generator?) throws {
        conv1 = try Conv2d(inPlanes, planes, kernelSize: 1, bias: false, device: device, generator: generator)
        bn1 = try BatchNorm2d(planes, device: device)
        conv2 = try Conv2d(planes, planes, kernelSize: 3, stride: stride, padding: 1, bias: false, device: device, generator: generator)
        bn2 = try BatchNorm2d(planes, device: device)
        conv3 = try Conv2d(planes, planes * Self.expansion, kernelSize: 1, bias: false, device: device, generator: generator)
        bn3 = try BatchNorm2d(planes * Self.expansion, device: device)
        downsample = try resNetDownsample(inPlanes, planes * Self.expansion, stride: stride, device: device, generator: generator)
    }

    public var children: [(name: String, module: any Module)] {
        [("conv1", conv1), ("bn1", bn1), ("conv2", conv2), ("bn2", bn2), ("conv3", conv3), ("bn3", bn3)]
            + (downsample.map { [("downsample", $0)] } ?? [])
    }

    public func callAsFunction(_ x: Tensor) throws -> Tensor {
        var out = try F.relu(bn1(conv1(x)))
        out = try F.relu(bn2(conv2(out)))
        out = try bn3(conv3(out))
        return try F.relu(out + (downsample?(x) ?? x))
    }
}

/// conv1×1 (no bias) + BN when the stride or the channel count changes, as `ResNet._make_layer`.
private func resNetDownsample(_ inPlanes: Int, _ outPlanes: Int, stride: Int, device: Device, generator: Generator?) throws
    -> Sequential?
{
    guard stride != 1 || inPlanes != outPlanes else { return nil }
    return Sequential([
        try Conv2d(inPlanes, outPlanes, kernelSize: 1, stride: stride, bias: false, device: device, generator: generator),
        try BatchNorm2d(outPlanes, device: device),
    ])
}

/// torchvision's ImageNet ResNets (ResNet-18 and ResNet-50, v1.5) with torchvision's `state_dict`
/// names and order, so a checkpoint loads into `torchvision.models.resnetNN` with `strict=True`.
public final class ResNet: SplitAtFirstLayer {
    /// torchvision's depths: the block kind and the blocks per stage.
    static let configurations: [Int: (bottleneck: Bool, blocks: [Int])] = [
        18: (false, [2, 2, 2, 2]), 34: (false, [3, 4, 6, 3]), 50: (true, [3, 4, 6, 3]), 101: (true, [3, 4, 23, 3]),
        152: (true, [3, 8, 36, 3]),
    ]

    public let depth: Int
    public let normalize: Normalize
    public let conv1: Conv2d
    public let bn1: BatchNorm2d
    public let layer1: Sequential, layer2: Sequential, layer3: Sequential, layer4: Sequential
    public let fc: Linear
    public var training = true

    /// `depth` is 18, 34, 50, 101 or 152; `normalization` also fixes the input channels.
    public init(
        depth: Int, classes: Int = 1000, normalization: Normalization, device: Device = .cpu, generator: Generator? = nil
    ) throws {
        guard let configuration = Self.configurations[depth] else {
            throw ModelError("ResNet depth \(depth) is not one of torchvision's: 18, 34, 50, 101, 152")
        }
        self.depth = depth
        normalize = try Normalize(mean: normalization.mean, std: normalization.std, device: device)
        // Construction order = torchvision's __init__ order (conv1, bn1, layer1..4, fc).
        conv1 = try Conv2d(normalization.mean.count, 64, kernelSize: 7, stride: 2, padding: 3, bias: false, device: device, generator: generator)
        bn1 = try BatchNorm2d(64, device: device)
        let expansion = configuration.bottleneck ? ResNetBottleneck.expansion : ResNetBasicBlock.expansion
        var inPlanes = 64
        func stage(_ planes: Int, blocks: Int, stride: Int) throws -> Sequential {
            var layers: [any Layer] = []
            for i in 0..<blocks {
                let blockStride = i == 0 ? stride : 1
                layers.append(
                    configuration.bottleneck
                        ? try ResNetBottleneck(inPlanes, planes, stride: blockStride, device: device, generator: generator)
                        : try ResNetBasicBlock(inPlanes, planes, stride: blockStride, device: device, generator: generator))
                inPlanes = planes * expansion
            }
            return Sequential(layers)
        }
        layer1 = try stage(64, blocks: configuration.blocks[0], stride: 1)
        layer2 = try stage(128, blocks: configuration.blocks[1], stride: 2)
        layer3 = try stage(256, blocks: configuration.blocks[2], stride: 2)
        layer4 = try stage(512, blocks: configuration.blocks[3], stride: 2)
        fc = try Linear(inPlanes, classes, device: device, generator: generator)
        // torchvision's init loop; BN is already 1/0 and fc keeps nn.Linear's draw.
        try Init.kaimingNormalFanOutConvolutions(of: self, generator: generator)
    }

    public var children: [(name: String, module: any Module)] {
        [("conv1", conv1), ("bn1", bn1), ("layer1", layer1), ("layer2", layer2), ("layer3", layer3), ("layer4", layer4), ("fc", fc)]
    }

    /// Logits for images in [0, 1], shape [N, C, H, W], any H and W.
    public func callAsFunction(_ input: Tensor) throws -> Tensor {
        try rest(firstLayer(input))
    }

    /// conv1 of the normalised images, before bn1.
    public func firstLayer(_ input: Tensor) throws -> Tensor {
        try conv1(normalize(input))
    }

    public func rest(_ firstLayerOutput: Tensor) throws -> Tensor {
        var out = try F.relu(bn1(firstLayerOutput))
        out = try F.maxPool2d(out, kernel: 3, stride: 2, padding: 1)
        out = try layer4(layer3(layer2(layer1(out))))
        return try fc(F.adaptiveAvgPool2d(out, outputSize: (1, 1)).flattened(from: 1))
    }
}
