// ScriptModule.swift: a TorchScript module (a `.pt` file from `torch.jit.script` or
// `torch.jit.trace`, loaded with libtorch's `torch::jit::load`, no Python involved). Its parameters
// and buffers come back as the module's own tensors, so updating them in place updates the module.
//
//   let module = try ScriptModule(contentsOf: "resnet.pt")
//   let logits = try module.forward(images)        // [B, classes]
//   let bytes = try module.serialized()            // a file torch.jit.load reads back
import CTorch

/// A loaded TorchScript module.
public final class ScriptModule: @unchecked Sendable {
    let handle: OpaquePointer

    /// Loads `path` onto `device`; a missing or corrupt file is a TorchError naming libtorch's reason.
    public init(contentsOf path: String, device: Device = .cpu) throws {
        try device.validate()
        let loaded = try checkedCall { dt_script_load(path, device.code, $0) }
        guard let loaded else { throw TorchError("libtorch returned no module for \(path)") }
        handle = loaded
    }

    deinit { dt_script_free(handle) }

    /// What `forward` throws when the module returns something else than one tensor.
    public struct NotATensor: Error, CustomStringConvertible {
        /// "a tuple", "a dict", "a list", …
        public let returned: String
        public var description: String { "forward returns \(returned), not one tensor" }
    }

    /// The module's `forward` on one tensor; `NotATensor` if it returns anything else.
    public func forward(_ input: Tensor) throws -> Tensor {
        do {
            return try tensorCall { dt_script_forward(handle, input.handle, $0) }
        } catch let error as TorchError {
            let prefix = String(cString: dt_script_not_a_tensor)
            guard error.message.hasPrefix(prefix) else { throw error }
            throw NotATensor(returned: String(error.message.dropFirst(prefix.count)))
        }
    }

    /// `named_parameters()`: dotted names as `state_dict` shows them, the module's own tensors.
    public func namedParameters() throws -> [(name: String, tensor: Tensor)] { try named(kind: 0) }

    /// `named_buffers()` (BatchNorm's running statistics and counters, …), the module's own tensors.
    public func namedBuffers() throws -> [(name: String, tensor: Tensor)] { try named(kind: 1) }

    /// Train or eval mode, for the module and every submodule.
    public func setTraining(_ on: Bool) throws {
        try checkedCall { dt_script_train(handle, on, $0) }
    }

    public var isTraining: Bool { dt_script_is_training(handle) }

    /// Moves every parameter and buffer to `device`, in place.
    public func move(to device: Device) throws {
        try device.validate()
        try checkedCall { dt_script_to(handle, device.code, $0) }
    }

    /// The bytes `torch.jit.save` would write for the module with its current weights.
    public func serialized() throws -> [UInt8] {
        try tensorCall { dt_script_serialize(handle, $0) }.bytes()
    }

    private func named(kind: Int32) throws -> [(name: String, tensor: Tensor)] {
        let count = try checkedCall { dt_script_named_count(handle, kind, $0) }
        var names = [UnsafeMutablePointer<CChar>?](repeating: nil, count: count)
        var tensors = [OpaquePointer?](repeating: nil, count: count)
        try checkedCall { dt_script_named(handle, kind, count, &names, &tensors, $0) }
        return try zip(names, tensors).map { name, tensor in
            guard let name, let tensor else { throw TorchError("libtorch listed a module tensor without a name or value") }
            defer { dt_string_free(name) }
            return (String(cString: name), Tensor(owning: tensor))
        }
    }
}
