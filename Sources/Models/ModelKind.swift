// ModelKind.swift: the models deat can build, by the names the CLI and checkpoint metadata use,
// and rebuilding a model from a checkpoint file. A TorchScript file is one more kind (docs/
// architecture.md §14): its architecture and starting weights are the file's own.
import Foundation
import NN
import Torch

/// The models deat can build, by the names the CLI and checkpoint metadata use; a TorchScript file
/// is one more kind, whose architecture and starting weights are the file's own.
public enum ModelKind: Equatable, Sendable, CustomStringConvertible, Codable {
    case smallCNN
    case preActResNet18
    case wideResNet(depth: Int, widen: Int)
    /// torchvision's ImageNet ResNet-18 and ResNet-50, under torchvision's state_dict names.
    case resNet18, resNet50
    /// A TorchScript file (`torch.jit.save`); a relative path is relative to the directory of the
    /// checkpoint or run that names it.
    case torchScript(file: String)

    static let torchScriptPrefix = "torchscript:"

    /// Parses `small-cnn`, `preact-resnet18`, `wide-resnet-34-10` (any `wide-resnet-D-W`), `resnet18`
    /// and `resnet50` (or `resnet-18`, `resnet-50`), and
    /// `torchscript:PATH` as checkpoints record a TorchScript model.
    public init(name: String) throws {
        if name.hasPrefix(Self.torchScriptPrefix), name.count > Self.torchScriptPrefix.count {
            self = .torchScript(file: String(name.dropFirst(Self.torchScriptPrefix.count)))
            return
        }
        switch name.lowercased() {
        case "small-cnn", "smallcnn": self = .smallCNN
        case "preact-resnet18", "preactresnet18": self = .preActResNet18
        case "resnet18", "resnet-18": self = .resNet18
        case "resnet50", "resnet-50": self = .resNet50
        default:
            let parts = name.lowercased().split(separator: "-")
            if parts.count == 4, parts[0] == "wide", parts[1] == "resnet", let depth = Int(parts[2]), let widen = Int(parts[3]) {
                self = .wideResNet(depth: depth, widen: widen)
            } else {
                throw ModelError("unknown model '\(name)': expected small-cnn, preact-resnet18, wide-resnet-DEPTH-WIDEN (e.g. wide-resnet-34-10), resnet18 or resnet50; a model of your own goes in as a TorchScript file (--model-file FILE.pt)")
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
        case .resNet18: "resnet18"
        case .resNet50: "resnet50"
        case .torchScript(let file): Self.torchScriptPrefix + file
        }
    }

    public var isTorchScript: Bool {
        if case .torchScript = self { true } else { false }
    }

    /// A TorchScript file's relative path made absolute against `directory`; any other kind as it is.
    public func resolved(against directory: URL) -> ModelKind {
        guard case .torchScript(let file) = self, !file.hasPrefix("/") else { return self }
        return .torchScript(file: directory.appendingPathComponent(file).path)
    }

    /// The image side the model needs, or nil for any: SmallCNN and the ImageNet ResNets end in global
    /// average pooling, while
    /// the CIFAR models' fixed 4×4 (PreActResNet-18) and 8×8 (WideResNet) poolings need 32×32 inputs.
    public var requiredImageSide: Int? {
        switch self {
        case .smallCNN, .resNet18, .resNet50, .torchScript: nil  // a TorchScript model says what it takes by running
        case .preActResNet18, .wideResNet: 32
        }
    }

    /// The key of the final linear layer's weight, whose first dimension is the class count.
    var classifierKey: String? {
        switch self {
        case .smallCNN, .wideResNet, .resNet18, .resNet50: "fc.weight"
        case .preActResNet18: "linear.weight"
        case .torchScript: nil
        }
    }

    /// A freshly initialised model; `normalization` also fixes the number of input channels. A
    /// TorchScript model is loaded from its file instead: its weights, classes and normalisation
    /// are the file's, and the other arguments are not used.
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
        case .resNet18:
            try ResNet(depth: 18, classes: classes, normalization: normalization, device: device, generator: generator)
        case .resNet50:
            try ResNet(depth: 50, classes: classes, normalization: normalization, device: device, generator: generator)
        case .torchScript(let file):
            try ScriptedModel(contentsOf: URL(fileURLWithPath: file), device: device)
        }
    }
}

/// Rebuilds the model a deat checkpoint describes (metadata `model`, `normalize_mean/std`; classes
/// from metadata or the classifier's shape) and loads its weights strictly. A TorchScript file
/// (`.pt`, a zip archive) loads as it is, with empty metadata; a checkpoint of a TorchScript run
/// names its architecture's file (`torchscript:initial.pt`, beside it) and loads into that.
public func loadModel(from url: URL, device: Device = .cpu) throws -> (model: any Layer, kind: ModelKind, metadata: CheckpointMetadata) {
    switch ModelFileFormat(of: url) {
    case .zipArchive:
        return (try ScriptedModel(contentsOf: url, device: device), .torchScript(file: url.path), CheckpointMetadata(deatVersion: nil))
    case .pickle:
        throw ModelError("\(url.lastPathComponent) was written by torch.save (a pickle), not TorchScript or safetensors; \(ScriptedModel.howToMake)")
    case .other:
        break
    }
    let file = try Checkpoint.read(url)
    let metadata = CheckpointMetadata(file.metadata)
    guard let name = metadata.model else {
        throw ModelError("\(url.lastPathComponent): no 'model' in the checkpoint metadata, so deat cannot tell which model it holds")
    }
    let kind = try ModelKind(name: name).resolved(against: url.deletingLastPathComponent())
    let model: any Layer
    if kind.isTorchScript {
        model = try kind.build(normalization: .identity(channels: 1), device: device)
    } else {
        guard let mean = metadata.normalizeMean, let std = metadata.normalizeStd else {
            throw ModelError("\(url.lastPathComponent): no normalize_mean/normalize_std in the checkpoint metadata")
        }
        let classes = metadata.classes ?? kind.classifierKey.flatMap { file[$0]?.shape.first } ?? 10
        model = try kind.build(classes: classes, normalization: Normalization(mean: mean, std: std), device: device)
    }
    try Checkpoint.load(file, into: model.stateDict(), source: url.lastPathComponent)
    return (model, kind, metadata)
}

/// The metadata of a model file without loading the model: a deat checkpoint's, or none for a
/// TorchScript file (which records no dataset or ε).
public func modelFileMetadata(_ url: URL) throws -> CheckpointMetadata {
    if isTorchScriptFile(url) { return CheckpointMetadata(deatVersion: nil) }
    return CheckpointMetadata(try Checkpoint.read(url).metadata)
}

/// Whether `url` is a zip archive, as TorchScript files are (torch.save's since PyTorch 1.6 too,
/// which loading then refuses with how to make a TorchScript file).
public func isTorchScriptFile(_ url: URL) -> Bool {
    if case .zipArchive = ModelFileFormat(of: url) { true } else { false }
}

/// What a model file's first bytes say it is: TorchScript (and torch.save since PyTorch 1.6) write
/// zip archives, older torch.save a bare pickle; safetensors starts with its header's length, which
/// never has these bytes (they would claim a header of 67 MB or 176 MB).
enum ModelFileFormat {
    case zipArchive, pickle, other

    /// `.other` also for a file that cannot be read: the safetensors reader then says why.
    init(of url: URL) {
        guard let handle = FileHandle(forReadingAtPath: url.path) else {
            self = .other
            return
        }
        defer { try? handle.close() }
        let head = [UInt8]((try? handle.read(upToCount: 4)) ?? Data())
        switch head {
        case [0x50, 0x4B, 0x03, 0x04]: self = .zipArchive  // "PK\3\4"
        // Legacy torch.save: pickle protocol 2, then its magic number as a LONG1 (80 02 8A 0A).
        case [0x80, 0x02, 0x8A, 0x0A]: self = .pickle
        default: self = .other
        }
    }
}
