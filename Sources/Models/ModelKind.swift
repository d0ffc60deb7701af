// ModelKind.swift: the models deat can build, by the names the CLI and checkpoint metadata use,
// and rebuilding a model from a checkpoint file.
import Foundation
import NN
import Torch

public enum ModelKind: Equatable, Sendable, CustomStringConvertible, Codable {
    case smallCNN
    case preActResNet18
    case wideResNet(depth: Int, widen: Int)

    /// Parses `small-cnn`, `preact-resnet18`, `wide-resnet-34-10` (any `wide-resnet-D-W`).
    public init(name: String) throws {
        switch name.lowercased() {
        case "small-cnn", "smallcnn": self = .smallCNN
        case "preact-resnet18", "preactresnet18": self = .preActResNet18
        default:
            let parts = name.lowercased().split(separator: "-")
            if parts.count == 4, parts[0] == "wide", parts[1] == "resnet", let depth = Int(parts[2]), let widen = Int(parts[3]) {
                self = .wideResNet(depth: depth, widen: widen)
            } else {
                throw ModelError("unknown model '\(name)': expected small-cnn, preact-resnet18 or wide-resnet-DEPTH-WIDEN (e.g. wide-resnet-34-10)")
            }
        }
    }

    /// Encoded as its name ("wide-resnet-34-10"), as checkpoints have always stored it.
    public init(from decoder: any Decoder) throws {
        try self.init(name: decoder.singleValueContainer().decode(String.self))
    }

    public func encode(to encoder: any Encoder) throws {
        var container = encoder.singleValueContainer()
        try container.encode(description)
    }

    public var description: String {
        switch self {
        case .smallCNN: "small-cnn"
        case .preActResNet18: "preact-resnet18"
        case .wideResNet(let depth, let widen): "wide-resnet-\(depth)-\(widen)"
        }
    }

    /// The image side the model needs, or nil for any: SmallCNN ends in global average pooling, while
    /// the CIFAR models' fixed 4×4 (PreActResNet-18) and 8×8 (WideResNet) poolings need 32×32 inputs.
    public var requiredImageSide: Int? {
        self == .smallCNN ? nil : 32
    }

    /// The key of the final linear layer's weight, whose first dimension is the class count.
    var classifierKey: String {
        switch self {
        case .smallCNN, .wideResNet: "fc.weight"
        case .preActResNet18: "linear.weight"
        }
    }

    /// A freshly initialised model; `normalization` also fixes the number of input channels.
    public func build(
        classes: Int = 10, normalization: Normalization, device: Device = .cpu, generator: Generator? = nil
    ) throws -> any Layer {
        switch self {
        case .smallCNN:
            try SmallCNN(classes: classes, normalization: normalization, device: device, generator: generator)
        case .preActResNet18:
            try PreActResNet18(classes: classes, normalization: normalization, device: device, generator: generator)
        case .wideResNet(let depth, let widen):
            try WideResNet(depth: depth, widen: widen, classes: classes, normalization: normalization, device: device, generator: generator)
        }
    }
}

/// Rebuilds the model a deat checkpoint describes (metadata `model`, `normalize_mean/std`; classes
/// from metadata or the classifier's shape) and loads its weights strictly.
public func loadModel(from url: URL, device: Device = .cpu) throws -> (model: any Layer, kind: ModelKind, metadata: CheckpointMetadata) {
    let file = try Checkpoint.read(url)
    let metadata = CheckpointMetadata(file.metadata)
    guard let name = metadata.model else {
        throw ModelError("\(url.lastPathComponent): no 'model' in the checkpoint metadata, so deat cannot tell which model it holds")
    }
    let kind = try ModelKind(name: name)
    guard let mean = metadata.normalizeMean, let std = metadata.normalizeStd else {
        throw ModelError("\(url.lastPathComponent): no normalize_mean/normalize_std in the checkpoint metadata")
    }
    let classes = metadata.classes ?? file[kind.classifierKey]?.shape.first ?? 10
    let model = try kind.build(classes: classes, normalization: Normalization(mean: mean, std: std), device: device)
    try Checkpoint.load(file, into: model.stateDict(), source: url.lastPathComponent)
    return (model, kind, metadata)
}
