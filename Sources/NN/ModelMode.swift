// ModelMode.swift: the mode a model runs in, passed explicitly rather than left as ambient state
// (docs/architecture.md §1, tch-rs's `forward_t(train:)`). Attacks, validation and evaluation all
// switch modes through `withMode`, which restores the previous one, so it lives beside `Module`.
import Torch

/// The mode a model is put in while an attack runs (docs/attacks.md §13.2): evaluation uses `.eval`;
/// adversarial training's inner maximisation may use `.train`. The previous mode is restored after.
public enum ModelMode: String, Sendable {
    case train, eval
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
