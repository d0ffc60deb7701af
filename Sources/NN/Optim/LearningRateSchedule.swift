// LearningRateSchedule.swift: learning rates as a function of the iteration (minibatch) count,
// the way the reference methods step them (docs/methods.md §1.2: once per minibatch).
// Each schedule is a pure function of `iteration`, so a resumed run recomputes the same rate.
import Foundation

/// A learning rate as a pure function of the iteration (minibatch) count, so a resumed run
/// recomputes the same rate; the reference methods step their rates once per minibatch.
public protocol LearningRateSchedule: Sendable {
    /// The learning rate for minibatch `iteration` (0-based, counted over the whole run).
    func rate(at iteration: Int) -> Double
}

/// A constant rate.
public struct ConstantRate: LearningRateSchedule {
    public let value: Double
    public init(_ value: Double) { self.value = value }
    public func rate(at iteration: Int) -> Double { value }
}

/// `base · gamma^k` after the k-th milestone (torch.optim.lr_scheduler.MultiStepLR, stepped per
/// iteration). DEAT: milestones T/2 and 4T/5 with gamma 0.1.
public struct MultiStepRate: LearningRateSchedule {
    public let base: Double
    public let milestones: [Int]
    public let gamma: Double

    public init(base: Double, milestones: [Int], gamma: Double = 0.1) {
        self.base = base
        self.milestones = milestones.sorted()
        self.gamma = gamma
    }

    public func rate(at iteration: Int) -> Double {
        base * pow(gamma, Double(milestones.filter { $0 <= iteration }.count))
    }
}

/// The triangular cycle of torch's CyclicLR (mode "triangular"), as fast_adversarial uses it:
/// from `low` up to `high` over `stepsUp` iterations, back down over `stepsDown`, repeating.
/// (PyTorch's CyclicLR also cycles momentum by default; this schedule covers the rate only.)
public struct CyclicRate: LearningRateSchedule {
    public let low: Double, high: Double
    public let stepsUp: Double, stepsDown: Double

    public init(low: Double, high: Double, stepsUp: Double, stepsDown: Double? = nil) {
        self.low = low
        self.high = high
        self.stepsUp = stepsUp
        self.stepsDown = stepsDown ?? stepsUp
    }

    public func rate(at iteration: Int) -> Double {
        let total = stepsUp + stepsDown
        let ratio = stepsUp / total
        let cycle = (1 + Double(iteration) / total).rounded(.down)
        let x = 1 + Double(iteration) / total - cycle
        let scale = x <= ratio ? x / ratio : (x - 1) / (ratio - 1)
        return low + (high - low) * scale
    }
}

/// Cosine annealing from `base` to `minimum` over `total` iterations (CosineAnnealingLR's closed form).
public struct CosineRate: LearningRateSchedule {
    public let base: Double, minimum: Double
    public let total: Int

    public init(base: Double, total: Int, minimum: Double = 0) {
        self.base = base
        self.total = max(total, 1)
        self.minimum = minimum
    }

    public func rate(at iteration: Int) -> Double {
        minimum + (base - minimum) * (1 + cos(Double.pi * Double(min(iteration, total)) / Double(total))) / 2
    }
}
