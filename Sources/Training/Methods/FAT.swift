// FAT.swift: Friendly Adversarial Training (Zhang et al., ICML 2020; zjfheart/Friendly-Adversarial-
// Training) with Table 1's settings (docs/methods.md §2.10): FAT, F+TRADES, F+MART, and M+FAT, whose
// step count the M+ rule sets. The inner loop is early-stopped PGD (`earlystop.py`): each example
// stops τ steps after its adversarial input is first misclassified, so the training inputs are the
// least adversarial ones that fool the model ("friendly").
//
//   δ = clipBox(U(−ε, ε)) (FAT) or clipBox(0.001·N(0, 1)) (F+TRADES, F+MART); control_i = τ   # eval mode
//   repeat K times:
//       for each example still iterating: if f(x + δ) is wrong: stop when control = 0, else control −= 1
//       for the rest: δ = clipBox(clipEps(δ + α·sign(∇_δ L_attack) + ω·N(0, 1)), x)
//   train mode: one SGD step on CE(f(x + δ)), TRADES or MART at the final δ
//
// earlystop.py removes stopped examples from the batch; deat keeps the batch whole and freezes them
// with a mask. In eval mode each example's output depends on it alone, so the perturbations are the
// same, every decision stays on the device (one host read per step), and each attack step is one
// full forward and backward pass, which is what the accounting counts.
import NN
import Torch

/// What FAT, F+TRADES and F+MART differ in: the attack's loss, its start and noise, the outer loss,
/// as FAT.py, FAT_for_TRADES.py and FAT_for_MART.py set them.
enum FriendlyObjective: Sendable, Equatable {
    /// FAT: CE for the attack and the update, uniform start in the ε-ball, ω = 0.001.
    case crossEntropy
    /// F+TRADES: KL to the natural output for the attack, TRADES's loss (natural first) for the update.
    case trades(beta: Double)
    /// F+MART: CE for the attack, MART's loss for the update.
    case mart(beta: Double)

    var start: PerturbationStart { self == .crossEntropy ? .uniform : .smallNormal }
    /// The attack ascends KL(f(x) ‖ f(x + δ)) (`loss_fn='kl'`) rather than CE.
    var attacksKL: Bool { if case .trades = self { true } else { false } }
    /// Gaussian noise added to every attack step: `--omega` of fat_cifar10.py (0.001) and of the
    /// F+TRADES/F+MART scripts (0).
    var omega: Double { self == .crossEntropy ? 0.001 : 0 }
    /// Forward passes of the update: f(x + δ), or f(x) and f(x + δ).
    var trainingForwardPasses: Int { self == .crossEntropy ? 1 : 2 }

    func trainingLoss(model: any Layer, images x: Tensor, labels y: Tensor, delta d: Tensor, labelSmoothing: Double) throws -> (loss: Tensor, logits: Tensor) {
        switch self {
        case .crossEntropy:
            return try PGDObjective().trainingLoss(model: model, images: x, labels: y, delta: d, labelSmoothing: labelSmoothing)
        case .trades(let beta):
            // fat_trade_cifar10.py's TRADES_loss: one natural forward, then the adversarial one.
            let natural = try model(x)
            let adversarial = try model(x + d)
            return (try TrainingLoss.trades(naturalLogits: natural, adversarialLogits: adversarial, labels: y, beta: beta, labelSmoothing: labelSmoothing), adversarial)
        case .mart(let beta):
            return try MARTObjective(beta: beta).trainingLoss(model: model, images: x, labels: y, delta: d, labelSmoothing: labelSmoothing)
        }
    }
}

/// Early-stopped PGD (earlystop.py), batched with masks.
struct EarlyStoppedPGD {
    let stepSize: Double
    /// Steps an example keeps going after it is misclassified (the reference's τ).
    let tau: Int
    let omega: Double
    /// Cross-entropy (FAT, F+MART) or KL to the natural output (F+TRADES: `loss_fn='kl'`).
    let usesKL: Bool

    /// δ after at most `steps` steps from `start`, and each example's input gradient at its final δ
    /// (where it stopped, or after the last step; nil when no step ran), which M+FAT sums. Runs the
    /// model in eval mode, as earlystop.py does.
    func perturb(
        model: any Layer, images x: Tensor, labels y: Tensor, start: Tensor, steps: Int, epsilon: Double, generator: Generator
    ) throws -> (delta: Tensor, lastGradient: Tensor?) {
        let box = try Box(around: x)
        let b = y.shape[0]
        let perExample = [b] + Array(repeating: 1, count: x.rank - 1)
        return try model.withMode(.eval) {
            // earlystop.py computes the natural output once, before the loop.
            let natural = usesKL ? try model(x).detached() : nil
            var delta = try box.clip(start)
            var control = try Tensor.full([b], tau, dtype: .int64, device: x.device)
            var iterating = try Tensor.ones([b], dtype: .bool, device: x.device)
            var lastGradient: Tensor?
            for _ in 0..<steps {
                let d = try delta.detached().requiringGrad()
                let logits = try model(x + d)
                let loss = try natural.map { try TrainingLoss.klSum(adversarialLogits: logits, naturalLogits: $0) }
                    ?? F.crossEntropy(logits, target: y)
                let g = try grad(of: loss, wrt: d)
                // The gradient at the δ each example ends with: this step's for those still iterating.
                let reached = try iterating.reshaped(perExample)
                lastGradient = try Tensor.where(reached, g, lastGradient ?? g.zerosLike())
                let wrong = try logits.detached().argmax(dim: 1).ne(y).logicalAnd(iterating)
                let exhausted = try control.eq(0)
                // Wrong with no steps left: stop here, at this δ. Wrong with steps left: one fewer.
                iterating = try iterating.logicalAnd(wrong.logicalAnd(exhausted).logicalNot())
                control = try control - wrong.logicalAnd(exhausted.logicalNot()).to(dtype: .int64)
                var moved = try d.detached() + g.sign() * stepSize
                if omega > 0 { moved = try moved + Tensor.randn(x.shape, device: x.device, generator: generator) * omega }
                delta = try Tensor.where(iterating.reshaped(perExample), box.clip(moved.clamped(min: -epsilon, max: epsilon)), d.detached())
            }
            return (delta, lastGradient)
        }
    }
}

/// FAT, F+TRADES, F+MART and M+FAT: early-stopped PGD with K = policy.count(epoch) steps, then one
/// weight update on the objective's loss at the final δ.
struct FriendlyAdversarialTraining: TrainingMethod {
    let name: String
    var policy: IterationPolicy
    let stepSize: Double
    let tau: Int
    let objective: FriendlyObjective

    var settings: [String: String] {
        var s = ["policy": policy.description, "step_size": "\(stepSize)", "tau": "\(tau)", "omega": "\(objective.omega)",
                 "start": objective.start.rawValue]
        switch objective {
        case .crossEntropy: s["loss"] = "ce"
        case .trades(let beta): (s["loss"], s["beta"]) = ("trades", "\(beta)")
        case .mart(let beta): (s["loss"], s["beta"]) = ("mart", "\(beta)")
        }
        return s
    }

    func step(images x: Tensor, labels y: Tensor, context c: StepContext) throws -> StepResult {
        let steps = policy.count(epoch: c.epoch)
        let attack = EarlyStoppedPGD(stepSize: stepSize, tau: tau, omega: objective.omega, usesKL: objective.attacksKL)
        let start = try initialPerturbation(objective.start, like: x, radius: c.epsilon, generator: c.generator)
        let (delta, gradient) = try attack.perturb(
            model: c.model, images: x, labels: y, start: start, steps: steps, epsilon: c.epsilon, generator: c.generator)
        let attackForwards = steps + (attack.usesKL ? 1 : 0)
        return try trainOnPerturbation(
            delta, attackGradient: gradient, source: .lastAttackStep, labels: y, context: c,
            passes: (attackForwards + objective.trainingForwardPasses, steps + 1)
        ) { d in try objective.trainingLoss(model: c.model, images: x, labels: y, delta: d, labelSmoothing: c.labelSmoothing) }
    }
}
