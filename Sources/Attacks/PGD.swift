// PGD.swift: projected gradient descent under L∞ (docs/attacks.md §4, with the CW loss §4.1) and
// L2 (§5), with random start, restarts, optional per-example early stop, and the bookkeeping rule
// of §1: a point is broken if any iterate of any restart was misclassified, and that iterate is
// what is returned (never just the last one).
import NN
import Torch

/// One iterate of an iterative attack, passed to an attack's `observer` (tests check every
/// iterate's admissibility with it).
struct AttackIterate {
    /// Restart index, from 0.
    let restart: Int
    /// Iterate index: 0 is the starting point, k the point after k updates.
    let step: Int
    /// The clean images of the rows being attacked (the still-robust subset).
    let clean: Tensor
    /// The current iterate for those rows.
    let adversarial: Tensor
    /// Per-example loss at `adversarial`.
    let loss: Tensor
}

typealias IterateObserver = (AttackIterate) throws -> Void

/// PGD under `norm`: L∞ x ← projInf(x + α·sign(∇ loss)); L2 (torchattacks `PGDL2` defaults
/// ε = 1.0, α = 0.2, 10 steps) x ← projL2(x + α·g/‖g‖₂). Only the start, the step direction and
/// the projection depend on the norm.
public struct PGD: Attack {
    /// ε, steps and restarts.
    public var budget: AttackBudget
    /// L∞ or L2.
    public var norm: ThreatNorm
    /// The step size α, in pixel units (L∞) or L2 length.
    public var stepSize: Double
    /// Start each restart at a uniform point of the ε-ball instead of the clean image.
    public var randomStart: Bool
    /// The loss maximised: cross-entropy or the CW margin.
    public var loss: AttackLoss
    /// CW confidence κ (used with `loss == .cw` only): the loss is min(max_{j≠y} z_j − z_y, κ).
    public var kappa: Double = 0
    /// Freeze an example's perturbation once it is misclassified (the fast-AT evaluation does).
    public var earlyStop = false
    /// Called with every iterate (including the start) of every restart.
    var observer: IterateObserver?

    /// PGD with `steps` steps of `stepSize` and `restarts` restarts; a point counts as broken if any
    /// iterate of any restart was misclassified, and that iterate is returned.
    public init(
        epsilon: Double, norm: ThreatNorm = .linf, stepSize: Double, steps: Int, randomStart: Bool = true, restarts: Int = 1,
        loss: AttackLoss = .crossEntropy
    ) {
        budget = AttackBudget(epsilon: epsilon, steps: steps, restarts: restarts)
        self.norm = norm
        self.stepSize = stepSize
        self.randomStart = randomStart
        self.loss = loss
    }

    /// "pgd-20", "pgd-50-10" (steps-restarts), "cw-20", "pgd-dlr-20"; under L2 "pgd-l2-10", "pgd-l2-cw-10".
    public var name: String {
        let base = switch (norm, loss) {
        case (.linf, .crossEntropy): "pgd"
        case (.linf, .cw): "cw"
        case (.linf, .dlr): "pgd-dlr"
        case (.l2, .crossEntropy): "pgd-l2"
        case (.l2, _): "pgd-l2-\(loss.rawValue)"
        }
        return budget.restarts > 1 ? "\(base)-\(budget.steps)-\(budget.restarts)" : "\(base)-\(budget.steps)"
    }

    public var parameters: [String: String] {
        var p = budget.parameters(norm: norm, [
            "step_size": "\(stepSize)", "random_start": "\(randomStart)", "loss": loss.rawValue, "early_stop": "\(earlyStop)",
        ])
        if loss == .cw { p["kappa"] = "\(kappa)" }
        return p
    }

    public func perturb(model: any Layer, images: Tensor, labels: Tensor, mode: ModelMode, generator: Generator) throws -> Tensor {
        try validateBatch(images: images, labels: labels)
        let (epsilon, steps, restarts) = (budget.epsilon, budget.steps, budget.restarts)
        guard epsilon >= 0, stepSize >= 0, steps >= 0, restarts >= 1 else {
            throw AttackError.invalidParameters(
                attack: name, requirement: "ε ≥ 0, step size ≥ 0, steps ≥ 0 and restarts ≥ 1",
                got: "ε = \(epsilon), step size = \(stepSize), steps = \(steps), restarts = \(restarts)")
        }
        return try model.withMode(mode) {
            let x = try images.detached()
            var found = try Tensor.zeros([x.shape[0]], dtype: .bool, device: x.device)
            var best = x
            var last = x
            for restart in 0..<restarts {
                // Later restarts only attack the points no earlier restart broke (union rule, §4).
                let index = try indices(of: found.logicalNot())
                if index.count == 0 { break }
                let outcome = try attackOnce(
                    model: model, clean: rows(x, index), labels: rows(labels, index), restart: restart, generator: generator)
                found = try puttingRows(found, index, outcome.found)
                best = try puttingRows(best, index, outcome.adversarial)
                last = try puttingRows(last, index, outcome.last)
            }
            return try selectRows(found, best, last)
        }
    }

    func start(_ clean: Tensor, generator: Generator) throws -> Tensor {
        guard randomStart else { return clean }
        let epsilon = budget.epsilon
        switch norm {
        case .linf:
            let noise = try uniform(clean.shape, low: -epsilon, high: epsilon, device: clean.device, generator: generator)
            return try projectLinf(clean + noise, around: clean, epsilon: epsilon)
        case .l2:
            // δ = ε·r·n/‖n‖, r ~ U[0, 1] per example (torchattacks PGDL2; not uniform in volume, §5).
            let n = try normal(clean.shape, device: clean.device, generator: generator)
            let r = try uniform([clean.shape[0]], low: 0, high: 1, device: clean.device, generator: generator)
            let scale = try perExample(r * epsilon / (rowNorms(n) + 1e-12), rank: clean.rank)
            return try (clean + n * scale).clamped(min: 0, max: 1)
        }
    }

    func direction(_ g: Tensor) throws -> Tensor {
        switch norm {
        case .linf: try g.sign()  // sign(0) = 0: zero-gradient pixels do not move
        case .l2: try g / perExample(rowNorms(g) + 1e-10, rank: g.rank)
        }
    }

    /// One ascent step and its projection: for L∞ the fused signed step into the box
    /// (Tensor.signStep), for L2 the normalised step then the projection.
    func step(_ current: Tensor, gradient: Tensor, clean: Tensor, box: LinfBox?) throws -> Tensor {
        if let box { return try current.signStep(gradient, stepSize: stepSize, low: box.lower, high: box.upper) }
        return try project(current + direction(gradient) * stepSize, around: clean, norm: norm, epsilon: budget.epsilon)
    }

    func attackOnce(
        model: any Layer, clean: Tensor, labels: Tensor, restart: Int, generator: Generator
    ) throws -> (found: Tensor, adversarial: Tensor, last: Tensor) {
        var current = try start(clean, generator: generator)
        // L∞: the box around the clean images once per attack, not once per step.
        let linfBox = norm == .linf ? try LinfBox(around: clean, epsilon: budget.epsilon) : nil
        var found = try Tensor.zeros([clean.shape[0]], dtype: .bool, device: clean.device)
        var adversarial = clean
        var frozen = found
        let lossFunction = { (z: Tensor) in try Losses.evaluate(loss, logits: z, labels: labels, kappa: kappa) }
        func record(_ logits: Tensor, _ perExampleLoss: Tensor, step: Int) throws -> Tensor {
            let mis = try misclassified(logits, labels)
            adversarial = try selectRows(mis, current, adversarial)
            found = try found.logicalOr(mis)
            try observer?(AttackIterate(restart: restart, step: step, clean: clean, adversarial: current, loss: perExampleLoss))
            return mis
        }
        for step in 0..<budget.steps {
            let (logits, value, gradient) = try lossAndGradient(model: model, at: current, loss: lossFunction)
            let mis = try record(logits, value, step: step)
            if earlyStop {
                frozen = try frozen.logicalOr(mis)
                if try countTrue(frozen) == frozen.count { return (found, adversarial, current) }
            }
            let moved = try withNoGrad { try self.step(current, gradient: gradient, clean: clean, box: linfBox) }
            // A frozen row keeps its iterate, which is in the box already, so projecting it is a no-op.
            current = earlyStop ? try selectRows(frozen, current, moved) : moved
        }
        // The final iterate is checked too (§4).
        let logits = try logitsNoGrad(model: model, at: current)
        _ = try record(logits, withNoGrad { try lossFunction(logits) }, step: budget.steps)
        return (found, adversarial, current)
    }
}
