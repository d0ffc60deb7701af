// APGD.swift: Auto-PGD (Croce & Hein 2020), docs/attacks.md §6: step-size-free PGD with momentum,
// per-example step halving at checkpoints, and restart-from-best, optionally dropping each point
// from the run once it is broken (§10.7). APGD-CE and APGD-DLR are this attack with the CE or DLR
// loss; APGD-T (APGDT.swift) runs the same loop with targeted DLR.
import NN
import Torch

/// Untargeted APGD (AutoAttack's APGD-CE: loss CE, 100 iterations, 1 restart; APGD-DLR: loss DLR).
struct APGD: Attack {
    var budget: AttackBudget
    var norm: ThreatNorm
    var loss: AttackLoss
    /// Step-halving threshold on the fraction of improving steps (0.75).
    var rho: Double = 0.75
    /// Stop attacking a point at its first misclassified iterate (the fast suite, docs/attacks.md
    /// §10.7). The broken points are the same as without it (every row's run is its own); only the
    /// passes spent on already-broken points are saved. Off in AutoAttack standard, as in the
    /// reference.
    var earlyStop = false
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
        var entries = ["rho": "\(rho)", "alpha": "0.75", "initial_step": "2*epsilon"]
        // Named only when on, so that AutoAttack standard's parameters, and with them the
        // fingerprints of existing state files (§10.4), stay what they were.
        if earlyStop { entries["early_stop"] = "true" }
        return budget.parameters(norm: norm, entries)
    }

    func perturb(model: any Layer, images: Tensor, labels: Tensor, mode: ModelMode, generator: Generator) throws -> Tensor {
        try validateBatch(images: images, labels: labels)
        // Restarts attack only the points that are still correctly classified (§6 driver).
        return try RobustRows.attack(model: model, images: images, labels: labels, mode: mode) { points in
            try points.attackRobust(rounds: budget.restarts) { restart, xs, ys, _ in
                try run(model: model, clean: xs, labels: ys, restart: restart, generator: generator) { z, live in
                    try Losses.evaluate(loss, logits: z, labels: live.map { try rows(ys, $0) } ?? ys)
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

    /// Returns, per example, whether some iterate was misclassified and the latest such iterate
    /// (with `earlyStop`, the first one: the point then leaves the run). `loss` takes the logits of
    /// the rows still attacked and their positions in the batch (nil: every row, in order), so that
    /// a loss with per-row data (labels, targets) can pick the rows it needs.
    func run(
        model: any Layer, clean: Tensor, labels: Tensor, restart: Int, generator: Generator,
        loss: (_ logits: Tensor, _ live: Tensor?) throws -> Tensor
    ) throws -> (broken: Tensor, adversarial: Tensor) {
        let n = clean.shape[0]
        let rank = clean.rank
        var s = APGDRows(clean: clean, labels: labels, current: try start(clean, generator: generator))
        // The L∞ box is the same for every step: computed once per run, not twice per step.
        s.box = norm == .linf ? try LinfBox(around: clean, epsilon: epsilon) : nil
        var (logits, value, gradient) = try lossAndGradient(model: model, at: s.current) { try loss($0, s.live) }
        try observer?(AttackIterate(restart: restart, step: 0, clean: clean, adversarial: s.current, loss: value))
        var fooled = try misclassified(logits, labels)
        var adversarial = try selectRows(fooled, s.current, clean)
        s.best = s.current
        s.bestGradient = gradient
        s.bestLoss = value
        s.previous = s.current
        s.eta = try Tensor.full([n], 2 * epsilon, dtype: clean.dtype, device: clean.device)
        s.reducedAtLastCheck = try Tensor.ones([n], dtype: .bool, device: clean.device)
        s.bestLossAtLastCheck = s.bestLoss
        // [ref-quirk, kept for parity] the first window compares ℓ₁ with a zero-initialised slot,
        // not with ℓ₀: the first step counts as improving iff its loss is > 0.
        s.lastLoss = try value.zerosLike()
        s.improving = try Tensor.zeros([n], dtype: clean.dtype, device: clean.device)
        s.gradient = gradient
        if earlyStop {
            guard let rest = try s.dropping(fooled) else { return (fooled, adversarial) }
            s = rest
        }
        var interval = APGDSchedule.firstInterval(steps: steps)
        let decrement = APGDSchedule.decrement(steps: steps)
        let minimumInterval = APGDSchedule.minimumInterval(steps: steps)
        var sinceCheck = 0
        for i in 0..<steps {
            // a weights the fresh step, 1 − a the previous displacement (§6 terminology warning).
            let a = i == 0 ? 1.0 : 0.75
            let (current, previous, clean) = (s.current, s.previous, s.clean)
            let next = try withNoGrad {
                if let box = s.box {
                    // One fused pass (Tensor.apgdStep), equal to the two lines below with L∞'s box.
                    return try current.apgdStep(previous: previous, gradient: s.gradient, eta: s.eta, a: a, low: box.lower, high: box.upper)
                }
                let z = try project(current + direction(s.gradient) * perExample(s.eta, rank: rank), clean)
                return try project(current + (z - current) * a + (current - previous) * (1 - a), clean)
            }
            s.previous = s.current
            s.current = next
            (logits, value, gradient) = try lossAndGradient(model: model, at: s.current) { try loss($0, s.live) }
            s.gradient = gradient
            try observer?(AttackIterate(restart: restart, step: i + 1, clean: s.clean, adversarial: s.current, loss: value))
            let mis = try misclassified(logits, s.labels)
            if let live = s.live {
                fooled = try puttingRows(fooled, live, rows(fooled, live).logicalOr(mis))
                adversarial = try puttingRows(adversarial, live, selectRows(mis, s.current, rows(adversarial, live)))
            } else {
                fooled = try fooled.logicalOr(mis)
                adversarial = try selectRows(mis, s.current, adversarial)
            }
            let improved = try value.gt(s.bestLoss)  // strict improvement
            s.best = try selectRows(improved, s.current, s.best)
            s.bestGradient = try selectRows(improved, s.gradient, s.bestGradient)
            s.bestLoss = try Tensor.where(improved, value, s.bestLoss)
            s.improving = try s.improving + value.gt(s.lastLoss).to(dtype: s.improving.dtype)
            s.lastLoss = value
            sinceCheck += 1
            if sinceCheck == interval {
                // [ref-quirk, kept for parity] "≤ ρ·k", where the paper says "< ρ".
                let tooFewImproving = try s.improving.le(rho * Double(interval))
                let noProgress = try s.reducedAtLastCheck.logicalNot().logicalAnd(s.bestLossAtLastCheck.ge(s.bestLoss))
                let halve = try tooFewImproving.logicalOr(noProgress)
                s.eta = try Tensor.where(halve, s.eta * 0.5, s.eta)
                // Restart from the best point; `previous` is not reset [ref-quirk, as the reference].
                s.current = try selectRows(halve, s.best, s.current)
                s.gradient = try selectRows(halve, s.bestGradient, s.gradient)
                s.reducedAtLastCheck = halve
                s.bestLossAtLastCheck = s.bestLoss
                interval = max(interval - decrement, minimumInterval)
                sinceCheck = 0
                s.improving = try s.improving.zerosLike()
            }
            if earlyStop {
                // After the checkpoint, so that the rows left see exactly the run they would see
                // without the stop: every row's state is its own (§6), the batch only shrinks.
                guard let rest = try s.dropping(mis) else { break }
                s = rest
            }
        }
        return (fooled, adversarial)
    }
}

/// The per-point state of one APGD run (§6). Every field has one row per point still attacked;
/// with early stopping (§10.7) the rows of broken points are dropped, so the model is no longer
/// called on them and they cost no passes.
struct APGDRows {
    var clean: Tensor
    var labels: Tensor
    var current: Tensor
    var previous: Tensor
    var gradient: Tensor
    var best: Tensor
    var bestGradient: Tensor
    var bestLoss: Tensor
    var eta: Tensor
    var reducedAtLastCheck: Tensor
    var bestLossAtLastCheck: Tensor
    var lastLoss: Tensor
    var improving: Tensor
    /// The rows' positions in the run's batch; nil while every row is still attacked.
    var live: Tensor?
    /// Under L∞, the rows' box [max(x − ε, 0), min(x + ε, 1)]; nil under L2.
    var box: LinfBox?

    /// Every field starts as `current` (filled in by the run before the first step).
    init(clean: Tensor, labels: Tensor, current: Tensor) {
        (self.clean, self.labels, self.current) = (clean, labels, current)
        (previous, gradient, best, bestGradient) = (current, current, current, current)
        (bestLoss, eta, reducedAtLastCheck, bestLossAtLastCheck, lastLoss, improving) = (labels, labels, labels, labels, labels, labels)
    }

    /// The state without the rows where `broken` [rows] is true; nil when no row is left.
    func dropping(_ broken: Tensor) throws -> APGDRows? {
        let keep = try indices(of: broken.logicalNot())
        if keep.count == 0 { return nil }
        if keep.count == broken.count { return self }
        var s = self
        for path in [\APGDRows.clean, \.labels, \.current, \.previous, \.gradient, \.best, \.bestGradient, \.bestLoss, \.eta,
                     \.reducedAtLastCheck, \.bestLossAtLastCheck, \.lastLoss, \.improving] {
            s[keyPath: path] = try rows(self[keyPath: path], keep)
        }
        s.live = try live.map { try rows($0, keep) } ?? keep
        s.box = try box.map { try LinfBox(lower: rows($0.lower, keep), upper: rows($0.upper, keep)) }
        return s
    }
}
