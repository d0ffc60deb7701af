// IterationPolicy+Decision.swift: one line saying what the end of an epoch decided about the
// iteration count, and from which sums: the M+ rule's M, its reference and γ (MPlusRule.swift,
// docs/methods.md §1.3). The Trainer logs it at debug level (`deat train --verbose`).
import Foundation

extension IterationPolicy {
    /// What `after` (the policy once `epoch` ended) decided compared with `before`.
    static func decision(epoch: Int, before: IterationPolicy, after: IterationPolicy) -> String {
        let heading = "epoch \(epoch + 1) ended:"
        guard case .mPlus(let b) = before, case .mPlus(let a) = after else {
            return "\(heading) iterations \(before.count(epoch: epoch)) → \(after.count(epoch: epoch + 1)) (\(after.description))"
        }
        let number = { (x: Double?) in x.map { String(format: "%.6g", $0) } ?? "none" }
        let m = "M+ sum M = \(number(b.epochSum)) (Σ ‖∂L/∂x̃‖₁ over the epoch's minibatches)"
        let rule: String
        switch b.epochsCompleted {
        case 0:
            rule = "warm-up epoch, count set to \(a.count)"
        case 1:
            rule = "reference set to γ·M = \(b.gamma)·\(number(b.epochSum)) = \(number(a.reference)), count stays \(a.count)"
        default:
            if a.count > b.count {
                let why = b.epochSum > (b.reference ?? .infinity) ? "M > reference \(number(b.reference))" : "n·α < ε"
                rule = "\(why): count raised \(b.count) → \(a.count), reference now γ·M = \(number(a.reference))"
            } else if b.count >= b.maximum {
                rule = "count at its maximum \(b.maximum)"
            } else {
                rule = "M ≤ reference \(number(b.reference)): count stays \(a.count)"
            }
        }
        return "\(heading) \(m); \(rule)"
    }
}
