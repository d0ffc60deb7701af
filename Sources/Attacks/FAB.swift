// FAB.swift: FAB-T, the targeted Fast Adaptive Boundary attack (Croce & Hein 2019) as AutoAttack
// standard runs it, docs/attacks.md §8, L∞ only: a minimum-norm attack that steps onto the linearised
// decision boundary between the true class and a target class, biased back towards the clean
// image; a point counts as broken only when the smallest misclassified point found is within ε.
import NN
import Torch

struct FABT: Attack {
    /// Restarts are per target; restart 0 starts at x, later ones at a random point of size ε/2 (§8).
    var budget: AttackBudget
    /// Target classes: clean-logit ranks 2…(targets + 1), as APGD-T.
    var targets: Int
    var alphaMax: Double = 0.1
    /// Overshoot η.
    var eta: Double = 1.05
    /// Backward step β.
    var beta: Double = 0.9

    init(epsilon: Double, steps: Int = 100, targets: Int = 9, restarts: Int = 1) {
        budget = AttackBudget(epsilon: epsilon, steps: steps, restarts: restarts)
        self.targets = targets
    }

    var name: String { "fab-t" }

    var parameters: [String: String] {
        budget.parameters(norm: .linf, ["targets": "\(targets)", "alpha_max": "\(alphaMax)", "eta": "\(eta)", "beta": "\(beta)"])
    }

    func perturb(model: any Layer, images: Tensor, labels: Tensor, mode: ModelMode, generator: Generator) throws -> Tensor {
        try validateBatch(images: images, labels: labels)
        return try RobustRows.attack(model: model, images: images, labels: labels, mode: mode) { points in
            try points.attackTargets(targets, restarts: budget.restarts, attackName: "FAB-T", minimumClasses: 2) { restart, xs, ys, ts in
                let (distance, found) = try run(model: model, clean: xs, labels: ys, targets: ts, restart: restart, generator: generator)
                return (try distance.le(budget.epsilon), found)
            }
        }
    }

    /// One run for one target per example: the smallest L∞ distance of a misclassified iterate
    /// found (+∞ if none) and that iterate.
    func run(model: any Layer, clean: Tensor, labels: Tensor, targets: Tensor, restart: Int, generator: Generator) throws
        -> (distance: Tensor, adversarial: Tensor)
    {
        let (n, epsilon) = (clean.shape[0], budget.epsilon)
        let flatClean = try clean.flattened(from: 1)
        var current = clean
        if restart > 0 {
            let v = try uniform(clean.shape, low: -1, high: 1, device: clean.device, generator: generator)
            current = try (clean + v * (epsilon / 2) / perExample(rowMaxAbs(v), rank: clean.rank)).clamped(min: 0, max: 1)
        }
        var best = try Tensor.full([n], Double.infinity, dtype: clean.dtype, device: clean.device)
        var adversarial = clean
        for _ in 0..<budget.steps {
            // h = f_t − f_y and its input gradient w at the current point: one backward pass.
            let (_, h, w) = try lossAndGradient(model: model, at: current) { z in
                try Losses.trueLogit(z, targets) - Losses.trueLogit(z, labels)
            }
            current = try withNoGrad {
                let flatW = try w.flattened(from: 1)
                let flatX = try current.flattened(from: 1)
                // The linearised boundary {v : w·v = b}, b = w·x1 − h.
                let b = try (flatW * flatX).sum(dims: [1]) - h
                let d1 = try Self.projectOntoHyperplane(point: flatX, normal: flatW, offset: b)
                let d2 = try Self.projectOntoHyperplane(point: flatClean, normal: flatW, offset: b)
                let a1 = try rowMaxAbs(d1).clamped(min: 1e-8)
                let a2 = try rowMaxAbs(d2).clamped(min: 1e-8)
                let alpha = try perExample((a1 / (a1 + a2)).clamped(min: 0, max: alphaMax), rank: 2)
                let next = try ((flatX + d1 * eta) * (1.0 - alpha) + (flatClean + d2 * eta) * alpha).clamped(min: 0, max: 1)
                return try next.reshaped(clean.shape)
            }
            try withNoGrad {
                let isAdversarial = try misclassified(model(current), labels)
                let distance = try rowMaxAbs(current - clean)
                let better = try isAdversarial.logicalAnd(distance.lt(best))
                adversarial = try selectRows(better, current, adversarial)
                best = try Tensor.where(better, distance, best)
                // Step back towards the clean image from every misclassified iterate.
                current = try selectRows(isAdversarial, clean + (current - clean) * beta, current)
            }
        }
        return (best, adversarial)
    }

    /// The smallest-L∞ step d with normal·(point + d) = offset and point + d ∈ [0, 1], per row
    /// (§8, our derivation): coordinate i moves by min(λ, room_i) in direction sign(Δ)·sign(w_i);
    /// λ is found by bisection on the non-decreasing g(λ) = Σ|w_i|·min(λ, room_i). When the
    /// hyperplane is out of the box's reach, λ → 1 moves every coordinate to its face.
    static func projectOntoHyperplane(point: Tensor, normal: Tensor, offset: Tensor) throws -> Tensor {
        let delta = try offset - (normal * point).sum(dims: [1])
        let direction = try delta.sign().unsqueezed(dim: 1) * normal.sign()
        let room = try Tensor.where(direction.gt(0.0), 1.0 - point, point)
        let weight = try normal.abs()
        let needed = try delta.abs().unsqueezed(dim: 1)
        var low = try needed.zerosLike()
        var high = try needed.onesLike()
        for _ in 0..<24 {
            let middle = try (low + high) * 0.5
            let reached = try (weight * room.minimum(middle.expanded(to: room.shape))).sum(dims: [1], keepDims: true).ge(needed)
            high = try Tensor.where(reached, middle, high)
            low = try Tensor.where(reached, low, middle)
        }
        return try direction * room.minimum(high.expanded(to: room.shape))
    }
}
