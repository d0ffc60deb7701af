// SGD.swift: stochastic gradient descent exactly as torch.optim.SGD computes it (coupled weight
// decay, momentum buffer initialised to the first gradient, optional Nesterov, dampening 0).
import Torch

public final class SGD {
    public let parameters: [Tensor]
    /// Learning rate; schedules change it between steps.
    public var learningRate: Double
    public let momentum: Double
    public let weightDecay: Double
    public let nesterov: Bool
    private var buffers: [Tensor?]

    public init(
        parameters: [Tensor], learningRate: Double, momentum: Double = 0, weightDecay: Double = 0, nesterov: Bool = false
    ) throws {
        guard learningRate >= 0, momentum >= 0, weightDecay >= 0 else {
            throw TorchError("SGD needs learningRate, momentum and weightDecay ≥ 0 (got \(learningRate), \(momentum), \(weightDecay))")
        }
        guard !nesterov || momentum > 0 else { throw TorchError("Nesterov momentum needs momentum > 0") }
        self.parameters = parameters
        self.learningRate = learningRate
        self.momentum = momentum
        self.weightDecay = weightDecay
        self.nesterov = nesterov
        buffers = Array(repeating: nil, count: parameters.count)
    }

    /// p ← p − lr·d, where g = ∇p + wd·p, buf = μ·buf + g (buf = g at first), d = g + μ·buf (Nesterov) or buf.
    /// Parameters without a gradient are skipped, as in PyTorch.
    public func step() throws {
        try withNoGrad {
            for (i, p) in parameters.enumerated() {
                guard var g = try p.grad else { continue }
                if weightDecay != 0 { g = try g + p * weightDecay }
                if momentum != 0 {
                    let buf: Tensor
                    if let existing = buffers[i] {
                        buf = existing
                        try buf.multiplyInPlace(momentum)
                        try buf.addInPlace(g)
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

    /// The momentum buffers (nil before the first step), for checkpoints.
    public var momentumBuffers: [Tensor?] { buffers }
}
