// IterationPolicy.swift: how many replays (DEAT) or attack steps (PGD/TRADES/MART/Amata) a method
// runs in an epoch: fixed, the paper's linear schedule (DEAT-d), Amata's ramp, raised by training
// accuracy (DEAT-p), or decided by the M+ rule.

/// How many replays (DEAT) or attack steps (PGD, TRADES, MART, Amata) a method runs in an epoch:
/// fixed, linear (DEAT-d), Amata's ramp, raised by training accuracy (DEAT-p), or the M+ rule.
public enum IterationPolicy: Codable, Sendable, Equatable, CustomStringConvertible {
    /// The same count every epoch (FREE-m, PGD-K, TRADES, MART).
    case fixed(Int)
    /// DEAT-d: r(e) = min(⌊e / every⌋ + 1, maximum) (docs/methods.md §1.5).
    case linear(every: Int, maximum: Int)
    /// The M+ rule (MPlusRule.swift).
    case mPlus(MPlusController)
    /// Amata (amata_cifar10.py): K(e) = from + int((to − from) · (e / epochs)), in the script's
    /// floating-point order, so 2 … 10 over the run.
    case ramp(from: Int, to: Int, epochs: Int)
    /// DEAT-p (deat-p_cifar10.py): `count` starts at 1 and rises by one after an epoch whose training
    /// accuracy (on the adversarial inputs of the last replay) exceeds `threshold`, up to `maximum`.
    case accuracyTriggered(threshold: Double, maximum: Int, count: Int)

    /// The count to use in `epoch` (0-based).
    public func count(epoch: Int) -> Int {
        switch self {
        case .fixed(let n): n
        case .linear(let every, let maximum): min(epoch / max(every, 1) + 1, maximum)
        case .mPlus(let controller): controller.count
        case .ramp(let from, let to, let epochs): from + Int(Double(to - from) * (Double(epoch) / Double(max(epochs, 1))))
        case .accuracyTriggered(_, _, let count): count
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

    /// Ends an epoch: the M+ rule, or DEAT-p's accuracy trigger, decides whether the count rises.
    /// `trainingAccuracy` is the epoch's accuracy on the inputs the reported loss came from. Returns
    /// the M+ rule's decision (nil for the other policies).
    @discardableResult
    public mutating func endEpoch(trainingAccuracy: Double) -> MPlusController.Decision? {
        switch self {
        case .mPlus(var controller):
            let decision = controller.endEpoch()
            self = .mPlus(controller)
            return decision
        case .accuracyTriggered(let threshold, let maximum, let count):
            // deat-p_cifar10.py: `if train_acc/train_n > args.threshold and nb_replay < args.max_iteration`.
            let raise = trainingAccuracy > threshold && count < maximum
            self = .accuracyTriggered(threshold: threshold, maximum: maximum, count: raise ? count + 1 : count)
            return nil
        case .fixed, .linear, .ramp: return nil
        }
    }

    public var description: String {
        switch self {
        case .fixed(let n): "fixed \(n)"
        case .linear(let every, let maximum): "+1 every \(every) epochs up to \(maximum)"
        case .mPlus(let c): "M+ (γ = \(c.gamma), max \(c.maximum))"
        case .ramp(let from, let to, let epochs): "\(from) → \(to) linearly over \(epochs) epochs"
        case .accuracyTriggered(let threshold, let maximum, _): "+1 after an epoch with training accuracy > \(threshold), up to \(maximum)"
        }
    }
}
