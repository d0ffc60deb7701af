// Autograd.swift: libtorch's reverse-mode autodiff from Swift: requiresGrad, backward, input
// gradients that leave parameter gradients alone, higher-order gradients and no-grad scopes.
import CTorch

extension Tensor {
    /// Whether autograd records operations on this tensor. Setting it is allowed on leaves only.
    public var requiresGrad: Bool { dt_requires_grad(handle) }

    /// Marks this leaf as requiring (or not) gradients; returns self for chaining.
    @discardableResult
    public func requiringGrad(_ flag: Bool = true) throws -> Tensor {
        // PyTorch's Python layer refuses this on non-leaves; libtorch's C++ API does not, so check here.
        guard isLeaf else {
            throw TorchError(
                "requires_grad can only be changed on leaf tensors; use detached() for a computed tensor that must not be differentiated")
        }
        try checkedCall { dt_set_requires_grad(handle, flag, $0) }
        return self
    }

    public var isLeaf: Bool { dt_is_leaf(handle) }

    /// The gradient accumulated by `backward()`, or nil when none has been computed yet.
    public var grad: Tensor? {
        get throws {
            var err = dt_error(message: nil)
            let handle = dt_tensor_grad(self.handle, &err)
            if let message = err.message {
                let text = String(cString: message)
                dt_error_free(&err)
                throw TorchError(text)
            }
            return handle.map(Tensor.init(owning:))
        }
    }

    /// Forgets the accumulated gradient (`.grad = None`, PyTorch 2's `zero_grad` default).
    public func zeroGrad() throws {
        try checkedCall { dt_tensor_zero_grad(handle, $0) }
    }

    /// Back-propagates from this tensor, accumulating into the `.grad` of every leaf that
    /// requires it. `gradient` is required unless the tensor has one element.
    public func backward(gradient: Tensor? = nil, retainGraph: Bool = false, createGraph: Bool = false) throws {
        try checkedCall { dt_backward(handle, gradient?.handle, retainGraph, createGraph, $0) }
    }
}

/// Gradients of `output` with respect to `inputs` (`torch.autograd.grad`), returned instead of
/// accumulated: parameter `.grad` fields stay untouched, which is what attacks need.
/// With `createGraph`, the result is differentiable again (Hessian-vector products).
/// An input that `output` does not depend on gets a zero gradient.
public func grad(
    of output: Tensor, wrt inputs: [Tensor], gradient: Tensor? = nil, retainGraph: Bool = false,
    createGraph: Bool = false
) throws -> [Tensor] {
    var raw = [OpaquePointer?](repeating: nil, count: inputs.count)
    try withHandles([output]) { outputs, _ in
        try withHandles(inputs) { ins, n in
            let grads: [OpaquePointer?] = [gradient?.handle]
            try grads.withUnsafeBufferPointer { gouts in
                try checkedCall {
                    dt_autograd_grad(
                        outputs, 1, ins, n, gouts.baseAddress, retainGraph || createGraph, createGraph, true, &raw, $0)
                }
            }
        }
    }
    return try zip(raw, inputs).map { handle, input in
        if let handle { return Tensor(owning: handle) }
        return try input.zerosLike()
    }
}

/// The gradient of `output` with respect to one input, e.g. ∂loss/∂x for an attack step.
public func grad(
    of output: Tensor, wrt input: Tensor, gradient: Tensor? = nil, retainGraph: Bool = false, createGraph: Bool = false
) throws -> Tensor {
    try grad(of: output, wrt: [input], gradient: gradient, retainGraph: retainGraph, createGraph: createGraph)[0]
}

/// Runs `body` with gradient recording off (`torch.no_grad()`), restoring the previous mode after.
/// libtorch's grad mode is thread-local, so `body` is synchronous: no `await` inside.
public func withNoGrad<R>(_ body: () throws -> R) rethrows -> R {
    let previous = dt_grad_enabled()
    dt_set_grad_enabled(false)
    defer { dt_set_grad_enabled(previous) }
    return try body()
}

/// Runs `body` with gradient recording on, even inside a `withNoGrad` scope.
public func withGrad<R>(_ body: () throws -> R) rethrows -> R {
    let previous = dt_grad_enabled()
    dt_set_grad_enabled(true)
    defer { dt_set_grad_enabled(previous) }
    return try body()
}

/// Whether operations are being recorded for autograd on this thread.
public var isGradEnabled: Bool { dt_grad_enabled() }
