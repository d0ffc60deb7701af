// Module.swift: how layers own tensors and name them (docs/architecture.md §1 "prefix-based names",
// §2 "explicit keys, no Mirror"). Each layer lists its own parameters, buffers and children under
// the names PyTorch gives them; everything else (state_dict order, train/eval propagation,
// parameter lists for optimisers) is derived here once.
import Torch

/// Something that owns tensors under PyTorch's names and has a train/eval mode.
///
/// Order matters and follows PyTorch's `state_dict`: a module's own parameters, then its own
/// buffers, then each child in registration order, recursively.
public protocol Module: AnyObject {
    /// Own learnable tensors in registration order (PyTorch's `_parameters`), e.g. `weight`, `bias`.
    var localParameters: [(name: String, tensor: Tensor)] { get }
    /// Own non-learnable state saved in checkpoints (`_buffers`), e.g. `running_mean`.
    var localBuffers: [(name: String, tensor: Tensor)] { get }
    /// Direct submodules in registration order (`_modules`), e.g. `layer1`, `0`.
    var children: [(name: String, module: any Module)] { get }
    /// Train mode (batch statistics, dropout active) or eval mode. Set it through `train()`/`eval()`
    /// so that children follow.
    var training: Bool { get set }
}

extension Module {
    public var localParameters: [(name: String, tensor: Tensor)] { [] }
    public var localBuffers: [(name: String, tensor: Tensor)] { [] }
    public var children: [(name: String, module: any Module)] { [] }

    /// Every parameter with its dotted name, in `named_parameters()` order.
    public func namedParameters(prefix: String = "") -> [(name: String, tensor: Tensor)] {
        var out: [(name: String, tensor: Tensor)] = localParameters.map { (prefix + $0.name, $0.tensor) }
        for child in children {
            out += child.module.namedParameters(prefix: prefix + child.name + ".")
        }
        return out
    }

    /// Every parameter, for an optimiser.
    public func parameters() -> [Tensor] { namedParameters().map(\.tensor) }

    /// Every parameter and buffer with its dotted name, in PyTorch's `state_dict()` order.
    public func stateDict(prefix: String = "") -> [(name: String, tensor: Tensor)] {
        var out: [(name: String, tensor: Tensor)] = localParameters.map { (prefix + $0.name, $0.tensor) }
        out += localBuffers.map { (prefix + $0.name, $0.tensor) }
        for child in children {
            out += child.module.stateDict(prefix: prefix + child.name + ".")
        }
        return out
    }

    /// Number of learnable scalars.
    public var parameterCount: Int { parameters().reduce(0) { $0 + $1.count } }

    /// Puts this module and all its descendants in train mode (`mode: false` for eval).
    public func train(_ mode: Bool = true) {
        training = mode
        for child in children { child.module.train(mode) }
    }

    /// Puts this module and all its descendants in eval mode.
    public func eval() { train(false) }

    /// Forgets every parameter's accumulated gradient.
    public func zeroGrad() throws {
        for p in parameters() { try p.zeroGrad() }
    }
}

/// A module that maps one tensor to another: `let y = try layer(x)`.
public protocol Layer: Module {
    func callAsFunction(_ input: Tensor) throws -> Tensor
}
