// SGD.swift: stochastic gradient descent exactly as torch.optim.SGD computes it: coupled weight
// decay, momentum buffer initialised to the first gradient, dampening, optional Nesterov.
import Torch

/// Stochastic gradient descent exactly as `torch.optim.SGD` computes it: coupled weight decay, a
/// momentum buffer initialised to the first gradient, dampening, optional Nesterov.
public final class SGD {
    public let parameters: [Tensor]
    /// Learning rate; schedules change it between steps.
    public var learningRate: Double
    public let momentum: Double
    public let weightDecay: Double
    public let dampening: Double
    public let nesterov: Bool
    private var buffers: [Tensor?]
    /// Called with every parameter's gradient just before each step (a zero stand-in where a
    /// parameter has none, so every process passes the same list). Data-parallel training averages
    /// the gradients across processes here, so every method's every update (each DEAT replay, each
    /// PGD-AT step) is synchronised without the methods knowing.
    public var gradientReducer: (([Tensor]) throws -> Void)?

    public init(
        parameters: [Tensor], learningRate: Double, momentum: Double = 0, dampening: Double = 0, weightDecay: Double = 0,
        nesterov: Bool = false
    ) throws {
        guard learningRate >= 0, momentum >= 0, weightDecay >= 0, dampening >= 0, dampening <= 1 else {
            throw NNError(
                "SGD needs learningRate, momentum, weightDecay ≥ 0 and dampening in [0, 1] (got \(learningRate), \(momentum), \(weightDecay), \(dampening))")
        }
        guard !nesterov || (momentum > 0 && dampening == 0) else {
            throw NNError("Nesterov momentum needs momentum > 0 and dampening 0")
        }
        self.parameters = parameters
        self.learningRate = learningRate
        self.momentum = momentum
        self.dampening = dampening
        self.weightDecay = weightDecay
        self.nesterov = nesterov
        buffers = Array(repeating: nil, count: parameters.count)
    }

    /// p ← p − lr·d, where g = ∇p + wd·p, buf = μ·buf + (1 − dampening)·g (buf = g at first),
    /// d = g + μ·buf (Nesterov) or buf.
    /// Parameters without a gradient are skipped, as in PyTorch.
    public func step() throws {
        try withNoGrad {
            if let reduce = gradientReducer {
                try reduce(parameters.map { p in try p.grad ?? p.detached().zerosLike() })
            }
            for (i, p) in parameters.enumerated() {
                guard var g = try p.grad else { continue }
                if weightDecay != 0 { g = try g + p * weightDecay }
                if momentum != 0 {
                    let buf: Tensor
                    if let existing = buffers[i] {
                        buf = existing
                        try buf.multiplyInPlace(momentum)
                        try buf.addInPlace(g, alpha: 1 - dampening)
                    } else {
                        buf = try g.cloned()
                        buffers[i] = buf
                    }
                    g = nesterov ? try g + buf * momentum : buf
                }
                try p.addInPlace(g, alpha: -learningRate)
            }
        }
    }

    /// Forgets every parameter's gradient (set to None, PyTorch 2's default).
    public func zeroGrad() throws {
        for p in parameters { try p.zeroGrad() }
    }

    /// The momentum buffers (nil before a parameter's first step), for checkpoints.
    public var momentumBuffers: [Tensor?] { buffers }

    /// Restores buffers saved from `momentumBuffers` (copied, so the caller's tensors stay its own).
    public func restore(momentumBuffers saved: [Tensor?]) throws {
        guard saved.count == parameters.count else {
            throw NNError("optimizer state has \(saved.count) momentum buffers for \(parameters.count) parameters")
        }
        buffers = try zip(saved, parameters).map { buffer, parameter in
            guard let buffer else { return nil }
            guard buffer.shape == parameter.shape else {
                throw NNError("momentum buffer of shape \(buffer.shape) for a parameter of shape \(parameter.shape)")
            }
            return try buffer.to(device: parameter.device, dtype: parameter.dtype).detached().cloned()
        }
    }
}
