// Attack.swift: what every attack is to the rest of deat (docs/attacks.md §1): a function from clean
// images in [0, 1] and labels to admissible adversarial images, run in an explicit model mode.
import NN
import Torch

/// The mode the model is put in while an attack runs (attacks.md §13.2): evaluation uses `.eval`;
/// adversarial training's inner maximisation may use `.train`. The previous mode is restored after.
public enum ModelMode: String, Sendable {
    case train, eval
}

/// An evasion attack under an L∞ or L2 budget.
public protocol Attack {
    /// Short name used in reports and state files, e.g. "pgd-20", "apgd-ce".
    var name: String { get }

    /// Every parameter that changes the attack's result, for the report (docs/attacks.md §1).
    var parameters: [String: String] { get }

    /// Adversarial versions of `images` ([N, C, H, W] in [0, 1]) for `labels` ([N] int64). Every
    /// returned image lies inside the ε-ball around its input and inside [0, 1]. Runs the model in
    /// `mode`, restores its previous mode, and leaves parameter gradients untouched.
    func perturb(model: any Layer, images: Tensor, labels: Tensor, mode: ModelMode, generator: Generator) throws -> Tensor
}

extension Attack {
    /// Evaluation: the model in eval mode.
    public func perturb(model: any Layer, images: Tensor, labels: Tensor, generator: Generator) throws -> Tensor {
        try perturb(model: model, images: images, labels: labels, mode: .eval, generator: generator)
    }
}

extension Module {
    /// Runs `body` with the module in `mode`, then restores the previous mode (also on error).
    public func withMode<R>(_ mode: ModelMode, _ body: () throws -> R) rethrows -> R {
        let previous = training
        train(mode == .train)
        defer { train(previous) }
        return try body()
    }
}
