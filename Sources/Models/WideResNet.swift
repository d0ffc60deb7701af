// WideResNet.swift: WideResNet-depth-widen as TRADES/MART/DEAT define it (docs/methods.md §4.2):
// groups `block1..3.layer.i` of BasicBlocks, `convShortcut` on the *activated* input when the width
// changes, ReLU(bn1) → avg_pool 8 → fc. Conv weights N(0, √(2/(k²·out))), BN 1/0, fc bias 0.
// WRN-34-10: 46,160,474 parameters, 191 state_dict entries, without TRADES's unused `sub_block1`.
// PyTorch twin: scripts/bench/models.py `WideResNet`.
import NN
import Torch

/// One WideResNet basic block as TRADES, MART and DEAT define it, with `convShortcut` on the
/// activated input when the width changes.
public final class WideBasicBlock: Layer {
    public let bn1: BatchNorm2d
    public let conv1: Conv2d
    public let bn2: BatchNorm2d
    public let conv2: Conv2d
    public let convShortcut: Conv2d?
    public let dropRate: Double
    public var training = true

    init(_ inPlanes: Int, _ outPlanes: Int, stride: Int, dropRate: Double, device: Device, generator: Generator?) throws {
        bn1 = try BatchNorm2d(inPlanes, device: device)
        conv1 = try Conv2d(inPlanes, outPlanes, kernelSize: 3, stride: stride, padding: 1, bias: false, device: device, generator: generator)
        bn2 = try BatchNorm2d(outPlanes, device: device)
        conv2 = try Conv2d(outPlanes, outPlanes, kernelSize: 3, padding: 1, bias: false, device: device, generator: generator)
        convShortcut = inPlanes == outPlanes
            ? nil : try Conv2d(inPlanes, outPlanes, kernelSize: 1, stride: stride, bias: false, device: device, generator: generator)
        self.dropRate = dropRate
    }

    public var children: [(name: String, module: any Module)] {
        [("bn1", bn1), ("conv1", conv1), ("bn2", bn2), ("conv2", conv2)] + (convShortcut.map { [("convShortcut", $0)] } ?? [])
    }

    public func callAsFunction(_ x: Tensor) throws -> Tensor {
        let activated = try F.relu(bn1(x))
        var out = try F.relu(bn2(conv1(activated)))
        if dropRate > 0 { out = try F.dropout(out, p: dropRate, training: training) }
        out = try conv2(out)
        // When the width changes, TRADES's block replaces x by relu(bn1(x)) before the shortcut.
        return try out + (convShortcut.map { try $0(activated) } ?? x)
    }
}

/// `NetworkBlock`: its blocks live under `layer.i`.
public final class WideGroup: Layer {
    public let layer: Sequential
    public var training = true

    init(count: Int, _ inPlanes: Int, _ outPlanes: Int, stride: Int, dropRate: Double, device: Device, generator: Generator?) throws {
        layer = Sequential(
            try (0..<count).map { i in
                try WideBasicBlock(i == 0 ? inPlanes : outPlanes, outPlanes, stride: i == 0 ? stride : 1, dropRate: dropRate, device: device, generator: generator)
            })
    }

    public var children: [(name: String, module: any Module)] { [("layer", layer)] }
    public func callAsFunction(_ x: Tensor) throws -> Tensor { try layer(x) }
}

/// WideResNet-depth-widen as TRADES, MART and DEAT define it (WRN-34-10: 46,160,474 parameters).
public final class WideResNet: SplitAtFirstLayer {
    public let normalize: Normalize
    public let conv1: Conv2d
    public let block1: WideGroup, block2: WideGroup, block3: WideGroup
    public let bn1: BatchNorm2d
    public let fc: Linear
    public var training = true

    public init(
        depth: Int = 34, widen: Int = 10, classes: Int = 10, dropRate: Double = 0,
        normalization: Normalization = .cifar10, device: Device = .cpu, generator: Generator? = nil
    ) throws {
        guard depth >= 10, (depth - 4) % 6 == 0, widen >= 1 else {
            throw ModelError("WideResNet needs depth = 6n + 4 (n ≥ 1) and widen ≥ 1, got depth \(depth), widen \(widen)")
        }
        let n = (depth - 4) / 6
        let channels = [16, 16 * widen, 32 * widen, 64 * widen]
        normalize = try Normalize(mean: normalization.mean, std: normalization.std, device: device)
        conv1 = try Conv2d(normalization.mean.count, channels[0], kernelSize: 3, padding: 1, bias: false, device: device, generator: generator)
        block1 = try WideGroup(count: n, channels[0], channels[1], stride: 1, dropRate: dropRate, device: device, generator: generator)
        block2 = try WideGroup(count: n, channels[1], channels[2], stride: 2, dropRate: dropRate, device: device, generator: generator)
        block3 = try WideGroup(count: n, channels[2], channels[3], stride: 2, dropRate: dropRate, device: device, generator: generator)
        bn1 = try BatchNorm2d(channels[3], device: device)
        fc = try Linear(channels[3], classes, device: device, generator: generator)
        try reinitialize(generator: generator)
    }

    /// TRADES's init loop: conv weights N(0, √(2/(k²·out))), linear bias 0 (BN already 1/0).
    private func reinitialize(generator: Generator?) throws {
        try Init.kaimingNormalFanOutConvolutions(of: self, generator: generator)
        try withNoGrad {
            try fc.bias?.zeroInPlace()
        }
    }

    public var children: [(name: String, module: any Module)] {
        [("conv1", conv1), ("block1", block1), ("block2", block2), ("block3", block3), ("bn1", bn1), ("fc", fc)]
    }

    /// Logits for images in [0, 1], shape [N, 3, 32, 32].
    public func callAsFunction(_ input: Tensor) throws -> Tensor {
        try rest(firstLayer(input))
    }

    /// conv1 of the normalised images.
    public func firstLayer(_ input: Tensor) throws -> Tensor {
        try conv1(normalize(input))
    }

    public func rest(_ firstLayerOutput: Tensor) throws -> Tensor {
        var out = try block3(block2(block1(firstLayerOutput)))
        out = try F.avgPool2d(F.relu(bn1(out)), kernel: 8)
        return try fc(out.flattened(from: 1))
    }
}
