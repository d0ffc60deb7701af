// Attack.swift: what every attack is to the rest of deat (docs/attacks.md §1): a function from clean
// images in [0, 1] and labels to admissible adversarial images, run in an explicit model mode.
import NN
import Torch

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
