// BatchOps.swift: what every attack shares beyond the threat model: selecting and writing back batch
// rows (to attack only still-robust points, docs/attacks.md §1, §4), the restart driver built on
// them, seeded draws, input gradients.
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
public func puttingRows(_ full: Tensor, _ index: Tensor, _ values: Tensor) throws -> Tensor {
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
        throw AttackError.invalidBatch(what: "attack inputs", expected: "a float batch [N, C, H, W]", got: "\(images.dtype) \(images.shape)")
    }
    guard labels.shape == [images.shape[0]], labels.dtype == .int64 else {
        throw AttackError.invalidBatch(what: "labels", expected: "int64 of shape [\(images.shape[0])]", got: "\(labels.dtype) \(labels.shape)")
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
        // The one input gradient attacks take: counted here (docs/attacks.md §10.5).
        ModelPasses.recordBackward(rows: x.shape.first ?? 1)
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

/// The driver of §1 that APGD, APGD-T, FAB-T, Square and attack lists share: every round attacks
/// only the points still correctly classified, and a point once broken keeps the image that broke
/// it (never a later, weaker one).
struct RobustRows {
    let clean: Tensor
    let labels: Tensor
    /// The model's logits at `clean` (APGD-T and FAB-T take their target classes from them).
    let cleanLogits: Tensor
    private(set) var adversarial: Tensor
    private(set) var robust: Tensor

    init(model: any Layer, clean: Tensor, labels: Tensor) throws {
        self.clean = clean
        self.labels = labels
        cleanLogits = try logitsNoGrad(model: model, at: clean)
        adversarial = clean
        robust = try misclassified(cleanLogits, labels).logicalNot()
    }

    /// The adversarial images after `rounds` ran on `images` with the model in `mode`.
    static func attack(
        model: any Layer, images: Tensor, labels: Tensor, mode: ModelMode, _ rounds: (inout RobustRows) throws -> Void
    ) throws -> Tensor {
        try model.withMode(mode) {
            var points = try RobustRows(model: model, clean: images.detached(), labels: labels)
            try rounds(&points)
            return points.adversarial
        }
    }

    /// Up to `count` rounds of `attack(round, clean rows, their labels, their indices)`, which says
    /// which of the still-robust rows it broke and with what images. Returns false when it stopped
    /// early because no robust point was left.
    @discardableResult
    mutating func attackRobust(
        rounds count: Int, _ attack: (Int, Tensor, Tensor, Tensor) throws -> (broken: Tensor, adversarial: Tensor)
    ) throws -> Bool {
        for round in 0..<count {
            let index = try indices(of: robust)
            if index.count == 0 { return false }
            let xs = try rows(clean, index)
            let (broken, found) = try attack(round, xs, rows(labels, index), index)
            adversarial = try puttingRows(adversarial, index, selectRows(broken, found, xs))
            robust = try puttingRows(robust, index, broken.logicalNot())
        }
        return true
    }

    /// The rounds of APGD-T and FAB-T (§7, §8): for each target rank 2…(targets + 1) of the clean
    /// logits, `restarts` rounds of `attack(restart, clean rows, labels, target classes)`. First
    /// checks that the K classes allow it: K ≥ `minimumClasses` and 1 ≤ targets ≤ K − 1. `order`
    /// ([N, K], prediction first, see `targetOrder`) replaces the clean-logit ranking when given.
    mutating func attackTargets(
        _ targets: Int, restarts: Int, attackName: String, minimumClasses: Int, order: Tensor? = nil,
        _ attack: (Int, Tensor, Tensor, Tensor) throws -> (broken: Tensor, adversarial: Tensor)
    ) throws {
        let classes = cleanLogits.shape[1]
        guard classes >= minimumClasses, targets >= 1, targets + 1 <= classes else {
            throw AttackError.invalidParameters(
                attack: attackName, requirement: "K ≥ \(minimumClasses) classes and 1 ≤ targets ≤ K − 1",
                got: "K = \(classes), targets = \(targets)")
        }
        let ranking = try order ?? cleanLogits.sorted(dim: 1, descending: true).indices
        for rank in 2...(targets + 1) {
            let more = try attackRobust(rounds: restarts) { restart, xs, ys, index in
                // The rank-th class of the ranking (rank 1 is the prediction, = y on robust points).
                try attack(restart, xs, ys, rows(ranking, index).select(dim: 1, index: rank - 1))
            }
            if !more { return }
        }
    }
}
