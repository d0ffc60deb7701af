// PGDAT.swift: PGD adversarial training (Madry et al.), M+PGD (docs/methods.md §2, §2.2) and
// Amata (§2.8): n signed steps on CE from a uniform (Amata: zero) start, then one weight update at
// the adversarial point (the step itself is AttackStepMethod's, AttackSteps.swift).
//
//   δ ~ U(−ε, ε); δ = clipBox(δ, x)         # Amata: δ = 0
//   repeat n times:  δ = clipBox(clipEps(δ + s·sign(∇_δ CE(f(x + δ), y))), x)
//   SGD step on CE(f(x + δ), y)
import NN
import Torch

/// CE for both the attack and the update. The 2021 PGD-7 run did not clip its start to the box,
/// so its first attack step saw pixels outside [0, 1]; deat keeps every input admissible (M+PGD's
/// reference code clips there too).
struct PGDObjective: AttackObjective {
    static let defaultName = "pgd"
    var start = PerturbationStart.uniform
    static let forwardPasses = (perAttackStep: 1, training: 1)
    var settings: [String: String] { [:] }

    func attackLoss(model: any Layer, images x: Tensor, labels y: Tensor, delta d: Tensor) throws -> Tensor {
        try F.crossEntropy(model(x + d), target: y)
    }

    func trainingLoss(
        model: any Layer, images x: Tensor, labels y: Tensor, delta d: Tensor, labelSmoothing: Double
    ) throws -> (loss: Tensor, logits: Tensor) {
        let logits = try model(x + d)
        return (try F.crossEntropy(logits, target: y, labelSmoothing: labelSmoothing), logits)
    }
}

extension PGDAT {
    init(
        name: String = PGDObjective.defaultName, policy: IterationPolicy, stepSize: StepSizeRule,
        magnitudeSource: MagnitudeSource = .lastAttackStep, start: PerturbationStart = .uniform
    ) {
        self.init(name: name, policy: policy, stepSize: stepSize, magnitudeSource: magnitudeSource, objective: PGDObjective(start: start))
    }

    /// Amata-K_min-K_max (amata_cifar10.py): K(e) steps of τ/K(e) from δ = 0, K rising linearly.
    static func amata(minimumSteps: Int = 2, maximumSteps: Int, epochs: Int, total tau: Double) -> PGDAT {
        PGDAT(name: "amata", policy: .ramp(from: minimumSteps, to: maximumSteps, epochs: epochs), stepSize: .totalOverSteps(tau), start: .zero)
    }
}
