// IterationPolicy+Decision.swift: one line saying what the end of an epoch decided about the
// iteration count, and from which sums. The M+ rule reports its own decision
// (MPlusController.Decision, MPlusRule.swift, docs/methods.md §1.3); this only words it. The
// Trainer logs it at debug level (`deat train --verbose`).
import Foundation

extension IterationPolicy {
    static func decision(
        epoch: Int, before: IterationPolicy, after: IterationPolicy, rule: MPlusController.Decision?
    ) -> String {
        let heading = "epoch \(epoch + 1) ended:"
        guard let rule else {
            return "\(heading) iterations \(before.count(epoch: epoch)) → \(after.count(epoch: epoch + 1)) (\(after.description))"
        }
        let number = { (x: Double?) in x.map { String(format: "%.6g", $0) } ?? "none" }
        let m = { (sum: Double) in "M+ sum M = \(number(sum)) (Σ ‖∂L/∂x̃‖₁ over the epoch's minibatches)" }
        switch rule {
        case .warmup(let sum, let count):
            return "\(heading) \(m(sum)); warm-up epoch, count set to \(count)"
        case .referenceSet(let sum, let gamma, let reference, let count):
            return "\(heading) \(m(sum)); reference set to γ·M = \(gamma)·\(number(sum)) = \(number(reference)), count stays \(count)"
        case .raised(let sum, let reference, let exceeded, let from, let newReference):
            let why = exceeded ? "M > reference \(number(reference))" : "n·α < ε"
            return "\(heading) \(m(sum)); \(why): count raised \(from) → \(from + 1), reference now γ·M = \(number(newReference))"
        case .atMaximum(let sum, let maximum):
            return "\(heading) \(m(sum)); count at its maximum \(maximum)"
        case .held(let sum, let reference, let count):
            return "\(heading) \(m(sum)); M ≤ reference \(number(reference)): count stays \(count)"
        }
    }
}
