// IterationPolicy.swift: how many replays (DEAT) or attack steps (PGD/TRADES/MART) a method runs in
// an epoch: fixed, the paper's linear schedule (DEAT-d), or decided by the M+ rule.

public enum IterationPolicy: Codable, Sendable, Equatable, CustomStringConvertible {
    /// The same count every epoch (FREE-m, PGD-K, TRADES, MART).
    case fixed(Int)
    /// DEAT-d: r(e) = min(⌊e / every⌋ + 1, maximum) (docs/methods.md §1.5).
    case linear(every: Int, maximum: Int)
    /// The M+ rule (MPlusRule.swift).
    case mPlus(MPlusController)

    /// The count to use in `epoch` (0-based).
    public func count(epoch: Int) -> Int {
        switch self {
        case .fixed(let n): n
        case .linear(let every, let maximum): min(epoch / max(every, 1) + 1, maximum)
        case .mPlus(let controller): controller.count
        }
    }

    /// Feeds one minibatch's gradient magnitude to the M+ rule (ignored by the other policies).
    public mutating func accumulate(_ magnitude: Double) {
        guard case .mPlus(var controller) = self else { return }
        controller.accumulate(magnitude)
        self = .mPlus(controller)
    }

    /// The M+ rule's running sum for the current epoch (0 for the other policies); setting it is how
    /// data-parallel training combines the processes' sums.
    public var epochSum: Double {
        get {
            guard case .mPlus(let controller) = self else { return 0 }
            return controller.epochSum
        }
        set {
            guard case .mPlus(var controller) = self else { return }
            controller.setEpochSum(newValue)
            self = .mPlus(controller)
        }
    }

    /// Ends an epoch: the M+ rule decides whether the count rises.
    public mutating func endEpoch() {
        guard case .mPlus(var controller) = self else { return }
        controller.endEpoch()
        self = .mPlus(controller)
    }

    public var description: String {
        switch self {
        case .fixed(let n): "fixed \(n)"
        case .linear(let every, let maximum): "+1 every \(every) epochs up to \(maximum)"
        case .mPlus(let c): "M+ (γ = \(c.gamma), max \(c.maximum))"
        }
    }
}
