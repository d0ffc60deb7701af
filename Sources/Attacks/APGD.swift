// APGD.swift: Auto-PGD (Croce & Hein 2020), docs/attacks.md §6: step-size-free PGD with momentum,
// per-example step halving at checkpoints, and restart-from-best. APGD-CE and APGD-DLR are this
// attack with the CE or DLR loss; APGD-T (APGDT.swift) runs the same loop with targeted DLR.
import NN
import Torch

/// Untargeted APGD (AutoAttack's APGD-CE: loss CE, 100 iterations, 1 restart; APGD-DLR: loss DLR).
struct APGD: Attack {
    var budget: AttackBudget
    var norm: ThreatNorm
    var loss: AttackLoss
    /// Step-halving threshold on the fraction of improving steps (0.75).
    var rho: Double = 0.75
    /// Called with the starting point and every iterate of every restart.
    var observer: IterateObserver?

    init(epsilon: Double, norm: ThreatNorm = .linf, steps: Int = 100, restarts: Int = 1, loss: AttackLoss = .crossEntropy) {
        budget = AttackBudget(epsilon: epsilon, steps: steps, restarts: restarts)
        self.norm = norm
        self.loss = loss
    }

    /// "apgd-ce", "apgd-dlr".
    var name: String { "apgd-\(loss.rawValue)" }

    var parameters: [String: String] { runParameters.merging(["loss": loss.rawValue, "eot_samples": "1"]) { $1 } }

    /// The report entries of one run, which APGD-T shares: all but the loss.
    var runParameters: [String: String] {
        budget.parameters(norm: norm, ["rho": "\(rho)", "alpha": "0.75", "initial_step": "2*epsilon"])
    }

    func perturb(model: any Layer, images: Tensor, labels: Tensor, mode: ModelMode, generator: Generator) throws -> Tensor {
        try validateBatch(images: images, labels: labels)
        // Restarts attack only the points that are still correctly classified (§6 driver).
        return try RobustRows.attack(model: model, images: images, labels: labels, mode: mode) { points in
            try points.attackRobust(rounds: budget.restarts) { restart, xs, ys, _ in
                try run(model: model, clean: xs, labels: ys, restart: restart, generator: generator) { z in
                    try Losses.evaluate(loss, logits: z, labels: ys)
                }
            }
        }
    }
}

/// The checkpoint rule of §6: interval lengths k₁ = max(⌊0.22N⌋, 1), k_{j+1} = max(k_j − d, m)
/// with d = max(⌊0.03N⌋, 1), m = max(⌊0.06N⌋, 1). For N = 100: checks after iterations 22, 41,
/// 57, 70, 80, 87, 93, 99 (1-based).
enum APGDSchedule {
    static func firstInterval(steps: Int) -> Int { max(Int(0.22 * Double(steps)), 1) }
    static func decrement(steps: Int) -> Int { max(Int(0.03 * Double(steps)), 1) }
    static func minimumInterval(steps: Int) -> Int { max(Int(0.06 * Double(steps)), 1) }

    /// 1-based iteration numbers after which the step size may be halved.
    static func checkpoints(steps: Int) -> [Int] {
        var out: [Int] = []
        var interval = firstInterval(steps: steps)
        var at = interval
        while at <= steps {
            out.append(at)
            interval = max(interval - decrement(steps: steps), minimumInterval(steps: steps))
            at += interval
        }
        return out
    }
}

/// One APGD run (one restart) on a batch; the loss is a closure so that APGD-T can pass targeted DLR.
extension APGD {
    var epsilon: Double { budget.epsilon }
    var steps: Int { budget.steps }

    func project(_ v: Tensor, _ clean: Tensor) throws -> Tensor {
        try Attacks.project(v, around: clean, norm: norm, epsilon: epsilon)
    }

    /// Start on the boundary of the ball: L∞ x + ε·t/max|t|, t ~ U[−1, 1]; L2 x + ε·n/‖n‖₂.
    func start(_ clean: Tensor, generator: Generator) throws -> Tensor {
        let noise: Tensor
        let size: Tensor
        switch norm {
        case .linf:
            noise = try uniform(clean.shape, low: -1, high: 1, device: clean.device, generator: generator)
            size = try rowMaxAbs(noise)
        case .l2:
            noise = try normal(clean.shape, device: clean.device, generator: generator)
            size = try rowNorms(noise)
        }
        return try (clean + noise * epsilon / perExample(size, rank: clean.rank)).clamped(min: 0, max: 1)
    }

    func direction(_ g: Tensor) throws -> Tensor {
        switch norm {
        case .linf: try g.sign()
        case .l2: try g / perExample(rowNorms(g) + 1e-12, rank: g.rank)
        }
    }

    /// Returns, per example, whether some iterate was misclassified and the latest such iterate.
    func run(
        model: any Layer, clean: Tensor, labels: Tensor, restart: Int, generator: Generator,
        loss: (Tensor) throws -> Tensor
    ) throws -> (broken: Tensor, adversarial: Tensor) {
        let n = clean.shape[0]
        let rank = clean.rank
        var current = try start(clean, generator: generator)
        var (logits, value, gradient) = try lossAndGradient(model: model, at: current, loss: loss)
        try observer?(AttackIterate(restart: restart, step: 0, clean: clean, adversarial: current, loss: value))
        var fooled = try misclassified(logits, labels)
        var adversarial = try selectRows(fooled, current, clean)
        var best = current, bestGradient = gradient, bestLoss = value
        var previous = current
        var eta = try Tensor.full([n], 2 * epsilon, dtype: clean.dtype, device: clean.device)
        var reducedAtLastCheck = try Tensor.ones([n], dtype: .bool, device: clean.device)
        var bestLossAtLastCheck = bestLoss
        // [ref-quirk, kept for parity] the first window compares ℓ₁ with a zero-initialised slot,
        // not with ℓ₀: the first step counts as improving iff its loss is > 0.
        var lastLoss = try value.zerosLike()
        var improving = try Tensor.zeros([n], dtype: clean.dtype, device: clean.device)
        var interval = APGDSchedule.firstInterval(steps: steps)
        let decrement = APGDSchedule.decrement(steps: steps)
        let minimumInterval = APGDSchedule.minimumInterval(steps: steps)
        var sinceCheck = 0
        for i in 0..<steps {
            // a weights the fresh step, 1 − a the previous displacement (§6 terminology warning).
            let a = i == 0 ? 1.0 : 0.75
            let next = try withNoGrad {
                let z = try project(current + direction(gradient) * perExample(eta, rank: rank), clean)
                return try project(current + (z - current) * a + (current - previous) * (1 - a), clean)
            }
            previous = current
            current = next
            (logits, value, gradient) = try lossAndGradient(model: model, at: current, loss: loss)
            try observer?(AttackIterate(restart: restart, step: i + 1, clean: clean, adversarial: current, loss: value))
            let mis = try misclassified(logits, labels)
            fooled = try fooled.logicalOr(mis)
            adversarial = try selectRows(mis, current, adversarial)
            let improved = try value.gt(bestLoss)  // strict improvement
            best = try selectRows(improved, current, best)
            bestGradient = try selectRows(improved, gradient, bestGradient)
            bestLoss = try Tensor.where(improved, value, bestLoss)
            improving = try improving + value.gt(lastLoss).to(dtype: improving.dtype)
            lastLoss = value
            sinceCheck += 1
            guard sinceCheck == interval else { continue }
            // [ref-quirk, kept for parity] "≤ ρ·k", where the paper says "< ρ".
            let tooFewImproving = try improving.le(rho * Double(interval))
            let noProgress = try reducedAtLastCheck.logicalNot().logicalAnd(bestLossAtLastCheck.ge(bestLoss))
            let halve = try tooFewImproving.logicalOr(noProgress)
            eta = try Tensor.where(halve, eta * 0.5, eta)
            // Restart from the best point; `previous` is not reset [ref-quirk, as the reference].
            current = try selectRows(halve, best, current)
            gradient = try selectRows(halve, bestGradient, gradient)
            reducedAtLastCheck = halve
            bestLossAtLastCheck = bestLoss
            interval = max(interval - decrement, minimumInterval)
            sinceCheck = 0
            improving = try improving.zerosLike()
        }
        return (fooled, adversarial)
    }
}
