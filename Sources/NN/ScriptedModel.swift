// ScriptedModel.swift: a TorchScript module as a deat `Layer` (docs/architecture.md §1), so that any
// PyTorch model, scripted or traced and saved with `torch.jit.save`, trains and is attacked like the
// built-in ones. Its parameters and buffers are the module's own tensors (no copies): SGD's in-place
// updates, BatchNorm's running statistics, `withMode` and checkpoints act on the module itself.
//
// Input contract, as RobustBench and AutoAttack use it: images in [0, 1], NCHW, the model
// normalises inside, logits out.
//
//   let model = try ScriptedModel(contentsOf: "robustbench_model.pt")
//   let logits = try model(images)
//   try model.save(to: "trained.pt")      // torch.jit.load reads it, with the trained weights
import Torch

public final class ScriptedModel: Layer {
    public let module: ScriptModule
    /// `named_parameters()`, under the names PyTorch's `state_dict` uses.
    public let localParameters: [(name: String, tensor: Tensor)]
    /// `named_buffers()`, under the names PyTorch's `state_dict` uses.
    public let localBuffers: [(name: String, tensor: Tensor)]

    /// Loads a TorchScript file onto `device`; parameters and buffers stay where they are loaded.
    public init(contentsOf path: String, device: Device = .cpu) throws {
        module = try ScriptModule(contentsOf: path, device: device)
        localParameters = try module.namedParameters()
        localBuffers = try module.namedBuffers()
        guard !localParameters.isEmpty else { throw NNError("\(path) has no parameters to train or attack through") }
    }

    /// The module's own flag. Setting it cannot fail: `Module::train` only sets every submodule's flag.
    public var training: Bool {
        get { module.isTraining }
        set { try? module.setTraining(newValue) }
    }

    public func callAsFunction(_ input: Tensor) throws -> Tensor {
        let logits = try module.forward(input)
        guard logits.rank == 2, logits.shape[0] == input.shape.first else {
            throw NNError("the TorchScript model returned shape \(logits.shape) for a batch of \(input.shape); deat needs logits [batch, classes]")
        }
        return logits
    }

    /// Writes the module with its current weights (torch.jit.save's format).
    public func save(to path: String) throws { try module.save(to: path) }
}
