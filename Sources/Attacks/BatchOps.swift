// BatchOps.swift: what every attack shares beyond the threat model: selecting and writing back batch
// rows (to attack only still-robust points, docs/attacks.md §1, §4), seeded draws, input gradients.
import NN
import Torch

/// Indices (int64 [k]) where the bool vector `mask` [N] is true.
func indices(of mask: Tensor) throws -> Tensor {
    try mask.nonzero().reshaped([-1])
}

/// Rows `index` of `t` along dimension 0.
func rows(_ t: Tensor, _ index: Tensor) throws -> Tensor {
    try t.indexSelect(dim: 0, indices: index)
}

/// A copy of `full` with its rows `index` replaced by `values` (`full[index] = values`).
func puttingRows(_ full: Tensor, _ index: Tensor, _ values: Tensor) throws -> Tensor {
    guard index.count > 0 else { return full }
    let shape = values.shape
    let spread = try index.reshaped([-1] + Array(repeating: 1, count: shape.count - 1)).expanded(to: shape)
    return try full.scattered(dim: 0, indices: spread, source: values.to(dtype: full.dtype))
}

/// Element-wise select with a per-example condition [N] broadcast over a batch `a`, `b`.
func selectRows(_ condition: Tensor, _ a: Tensor, _ b: Tensor) throws -> Tensor {
    try Tensor.where(perExample(condition, rank: a.rank), a, b)
}

/// Number of true entries of a bool tensor.
func countTrue(_ mask: Tensor) throws -> Int {
    Int(try mask.sum().item())
}

/// A random tensor drawn on the generator's device and moved to `device`, so that the same seed
/// gives the same draw on every device.
func uniform(_ shape: [Int], low: Double, high: Double, device: Device, generator: Generator) throws -> Tensor {
    try Tensor.uniform(shape, low: low, high: high, device: generator.device, generator: generator).to(device: device)
}

func normal(_ shape: [Int], device: Device, generator: Generator) throws -> Tensor {
    try Tensor.randn(shape, device: generator.device, generator: generator).to(device: device)
}

/// Checks the inputs every attack shares: images [N, C, H, W] in a float dtype, labels [N].
func validateBatch(images: Tensor, labels: Tensor) throws {
    guard images.rank >= 2, images.dtype.isFloatingPoint else {
        throw TorchError("attack inputs must be a float batch [N, C, H, W], got \(images.dtype) \(images.shape)")
    }
    guard labels.shape == [images.shape[0]], labels.dtype == .int64 else {
        throw TorchError("labels must be int64 of shape [\(images.shape[0])], got \(labels.dtype) \(labels.shape)")
    }
}

/// Logits, per-example loss and ∂(Σ loss)/∂x at `x`, with autograd on even inside a no-grad
/// scope. Uses `grad(of:wrt:)`, so parameter `.grad` fields are never touched (§1, §13.2).
/// Summing is what makes the gradient per-example: in eval mode the rows do not interact.
func lossAndGradient(
    model: any Layer, at x: Tensor, loss: (Tensor) throws -> Tensor
) throws -> (logits: Tensor, loss: Tensor, gradient: Tensor) {
    try withGrad {
        let input = try x.detached().requiringGrad()
        let logits = try model(input)
        let perExample = try loss(logits)
        let gradient = try grad(of: perExample.sum(), wrt: input)
        return (try logits.detached(), try perExample.detached(), gradient)
    }
}

/// Logits at `x` without recording a graph.
func logitsNoGrad(model: any Layer, at x: Tensor) throws -> Tensor {
    try withNoGrad { try model(x) }
}

/// Per-example [N] bool: the arg-max logit differs from the label.
func misclassified(_ logits: Tensor, _ labels: Tensor) throws -> Tensor {
    try logits.argmax(dim: 1).ne(labels)
}
