// OverfittingGuard.swift: fast_adversarial's check for catastrophic overfitting (train_fgsm.py
// `--early-stop`, docs/methods.md §2.7), on by default for FGSM-RS. After every epoch it runs
// PGD-5 (CE, step ε/4 = 2/255 at 8/255, one uniform start clamped into the image box) on the
// epoch's first training minibatch, with the model left in train mode as the script leaves it.
// When the robust accuracy falls more than 0.2 below the previous check's, training stops and the
// model of the epoch before is kept. Its state is part of TrainState, so a resumed run takes the
// same decision, and its draws come from (seed, epoch, −2), like every other draw of the loop.
import NN
import Torch

/// What the guard remembers between epochs (saved in the checkpoint).
public struct OverfittingGuardState: Codable, Sendable, Equatable {
    /// The robust accuracy of the last check that passed (train_fgsm.py's `prev_robust_acc`, 0 at first).
    public var previousAccuracy: Double = 0
    /// The 0-based epoch whose check fired; the run ended there with the model of the epoch before.
    public var firedAtEpoch: Int?

    public init() {}

    /// Takes one check's accuracy; true when it fell more than `OverfittingGuard.allowedDrop` below
    /// the previous one. Like the script, a passing check becomes the new reference even when it
    /// is lower, so a slow decline never fires.
    mutating func record(_ accuracy: Double, epoch: Int) -> Bool {
        if accuracy - previousAccuracy < -OverfittingGuard.allowedDrop {
            firedAtEpoch = epoch
            return true
        }
        previousAccuracy = accuracy
        return false
    }
}

extension SettingDefaults {
    /// A run's state before the guard existed: never checked, never fired.
    public enum NoOverfittingCheck: SettingDefault { public static var value: OverfittingGuardState { .init() } }
}

enum OverfittingGuard {
    static let steps = 5
    static let allowedDrop = 0.2

    /// The fraction of the batch that train_fgsm.py's `attack_pgd(model, X, y, epsilon, 2/255, 5, 1)`
    /// does not break. Each example stops moving once it is misclassified, and the attack ends
    /// early when none is left; every forward pass runs in train mode, so BatchNorm's running
    /// statistics move exactly as the script's do (including its extra pass that scores the restart).
    static func robustAccuracy(model: any Layer, images x: Tensor, labels y: Tensor, epsilon: Double, generator: Generator) throws -> Double {
        let box = try Box(around: x)
        var delta = try box.clip(initialPerturbation(.uniform, like: x, radius: epsilon, generator: generator))
        for _ in 0..<steps {
            let start = try delta.requiringGrad()
            let logits = try model(x + start)
            let correct = try logits.argmax(dim: 1).eq(y)
            if try correct.sum().item() == 0 { break }
            let g = try grad(of: F.crossEntropy(logits, target: y), wrt: start)
            let moved = try ascend(start, gradient: g, stepSize: epsilon / 4, epsilon: epsilon, box: box)
            // 1 for the examples still classified correctly; 0·δ + 1·δ′ keeps δ′'s bits exactly.
            let keep = try correct.to(dtype: x.dtype).reshaped([-1] + Array(repeating: 1, count: x.shape.count - 1))
            delta = try moved * keep + start.detached() * (1 - keep)
        }
        return try withNoGrad {
            _ = try model(x + delta)  // attack_pgd's restart score: one more train-mode pass
            let logits = try model(x + delta)
            return try logits.argmax(dim: 1).eq(y).sum().item() / Double(y.shape[0])
        }
    }
}
