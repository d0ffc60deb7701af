// ScriptedModel.swift: a TorchScript module as a deat `Layer` (docs/architecture.md §14), so that any
// PyTorch model, scripted or traced and saved with `torch.jit.save`, trains and is attacked like the
// built-in ones. Its parameters and buffers are the module's own tensors (no copies): SGD's in-place
// updates, BatchNorm's running statistics, `withMode` and checkpoints act on the module itself.
//
// Input contract, as RobustBench and AutoAttack use it: images in [0, 1], NCHW, the model
// normalises inside, logits out.
//
//   let model = try ScriptedModel(contentsOf: URL(fileURLWithPath: "robustbench_model.pt"))
//   let logits = try model(images)
//   try model.save(to: URL(fileURLWithPath: "trained.pt"))   // torch.jit.load reads it, trained
import Foundation
import Storage
import Torch

/// A TorchScript module (`torch.jit.save`) as a deat ``Layer``: it trains and is attacked like the
/// built-in models, on the module's own tensors. Inputs are images in [0, 1], NCHW; outputs are logits.
public final class ScriptedModel: Layer {
    public let module: ScriptModule
    /// `named_parameters()`, under the names PyTorch's `state_dict` uses.
    public let localParameters: [(name: String, tensor: Tensor)]
    /// `named_buffers()`, under the names PyTorch's `state_dict` uses.
    public let localBuffers: [(name: String, tensor: Tensor)]
    /// The file it was loaded from, for messages.
    public let source: String

    /// How to make a file deat can load, for every message about a file that is not one.
    public static let howToMake = "make one with torch.jit.trace(model.eval(), example_input).save(path) or torch.jit.script(model).save(path)"

    /// Loads a TorchScript file onto `device`. A file written by `torch.save` (a pickled `nn.Module`
    /// or a bare `state_dict`) is refused with how to make a TorchScript file instead.
    public init(contentsOf url: URL, device: Device = .cpu) throws {
        source = url.lastPathComponent
        guard FileManager.default.fileExists(atPath: url.path) else { throw NNError("\(url.path) does not exist") }
        do {
            module = try ScriptModule(contentsOf: url.path, device: device)
        } catch let error as TorchError {
            // torch.save writes a zip archive too, but without TorchScript's code and constants.
            if error.message.contains("constants.pkl") {
                throw NNError("\(source) was written by torch.save (a pickled nn.Module or a state_dict), not TorchScript; \(Self.howToMake)")
            }
            throw NNError("\(source) is not a TorchScript file (\(error.oneLine)); \(Self.howToMake)")
        }
        localParameters = try module.namedParameters()
        localBuffers = try module.namedBuffers()
        guard localParameters.contains(where: { $0.tensor.dtype.isFloatingPoint }) else {
            throw NNError("\(source) has no floating-point parameters to train or to attack through")
        }
    }

    /// The module's own flag. Setting it cannot fail: `Module::train` only sets every submodule's flag.
    public var training: Bool {
        get { module.isTraining }
        set { try? module.setTraining(newValue) }
    }

    /// The module's forward. libtorch reports a failure inside TorchScript with both tracebacks;
    /// the last line is the error itself ("Given groups=1, weight of size …").
    public func callAsFunction(_ input: Tensor) throws -> Tensor {
        let logits: Tensor
        do {
            logits = try module.forward(input)
        } catch let error as ScriptModule.NotATensor {
            throw NNError("\(source): forward returns \(error.returned), not one tensor of logits; save a wrapper module whose forward returns the logits alone")
        } catch let error as TorchError {
            let last = error.message.split(whereSeparator: \.isNewline).last { !$0.allSatisfy(\.isWhitespace) }
            let reason = last.map { String($0.drop(while: \.isWhitespace)) } ?? error.oneLine
            throw NNError("\(source) failed on input \(input.shape): \(reason.replacingOccurrences(of: "RuntimeError: ", with: ""))")
        }
        guard logits.rank == 2, logits.shape[0] == input.shape.first else {
            throw NNError("\(source) returned shape \(logits.shape) for a batch of \(input.shape); deat needs logits [batch, classes]")
        }
        return logits
    }

    /// The input channels the model's first convolution takes: the second dimension of its first
    /// 4-D parameter, which is where every ordinary CNN's stem sits. nil when it has none. A model
    /// that normalises with per-channel buffers would broadcast a grey batch to three channels
    /// without complaint, so the check cannot be left to the forward pass.
    public var firstConvolutionChannels: (name: String, channels: Int)? {
        localParameters.first { $0.tensor.rank == 4 }.map { ($0.name, $0.tensor.shape[1]) }
    }

    /// Whether the module's BatchNorm layers use batch statistics in train mode, tried on a batch
    /// of two grey images of `shape` [C, H, W] (every buffer is put back afterwards); nil when it has
    /// none. `torch.jit.trace` bakes the mode it traced in into every `batch_norm` call, so a model
    /// traced in eval mode keeps its running statistics frozen however it is switched.
    public func batchNormFollowsTrainMode(imageShape shape: [Int]) throws -> Bool? {
        let means = localBuffers.filter { $0.name.hasSuffix("running_mean") }
        guard !means.isEmpty else { return nil }
        let saved = try localBuffers.map { try $0.tensor.cloned() }
        let before = try means.map { try $0.tensor.cloned() }
        let device = localParameters[0].tensor.device
        let changed = try withMode(.train) {
            try withNoGrad {
                _ = try self(Tensor.full([2] + shape, 0.5, device: device))
                return try zip(means, before).contains { now, then in try (now.tensor - then).abs().max().item() != 0 }
            }
        }
        try withNoGrad {
            for (buffer, value) in zip(localBuffers, saved) { try buffer.tensor.copy(from: value) }
        }
        return changed
    }

    /// Writes the module with its current weights in torch.jit.save's format, atomically.
    public func save(to url: URL) throws {
        try AtomicFile.write(Data(module.serialized()), to: url)
    }
}
