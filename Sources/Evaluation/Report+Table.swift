// Report+Table.swift: the readable table `deat eval` prints (docs/attacks.md §10.1, §10.5): clean
// accuracy, then each attack with its cumulative robust accuracy, its time beside its passes per
// point, and AutoAttack's admissibility summary; then the totals and the accuracy per class.
import Foundation

extension EvaluationReport {
    public func table() -> String {
        let points = Double(max(n, 1))
        func perPoint(_ x: Double?) -> String { x.map { String(format: "%.2f", $0) } ?? "–" }
        var lines = [
            "\(model) on \(dataset) (\(subset)), \(norm) ε = \(epsilonText), seed \(seed), \(device), \(dtype)",
            pad("stage", 14) + pad("attacked", 10) + pad("broken", 8) + pad("robust acc", 12) + pad("time", 10)
                + pad("fwd/pt", 9) + pad("bwd/pt", 9) + "max ‖δ‖  range     NaN",
            pad("clean", 14) + pad("", 10) + pad("", 8) + pad(String(format: "%.2f%%", cleanAccuracy * 100), 12) + pad("", 10)
                // The clean pass is one forward of every point (reports before the counts show –).
                + pad(forwardPasses == nil ? "–" : "1.00", 9) + pad(forwardPasses == nil ? "–" : "0.00", 9),
        ]
        for s in stages {
            // The verification forward belongs to the stage's cost, beside the attack's own passes.
            let forwards = s.forwardPassesPerPoint.map { $0 + Double(s.verificationForwardPasses ?? 0) / points }
            lines.append(
                pad(s.name, 14) + pad("\(s.attacked)", 10) + pad("\(s.broken)", 8)
                    + pad(String(format: "%.2f%%", s.robustAccuracy * 100), 12) + pad(String(format: "%.1f s", s.seconds), 10)
                    + pad(perPoint(forwards), 9) + pad(perPoint(s.backwardPassesPerPoint), 9)
                    + String(format: "%.5f  [%.2f, %.2f]  %@", s.maxPerturbation, s.minValue, s.maxValue, s.hasNan ? "yes" : "no")
                    + (s.inadmissible > 0 ? "  (\(s.inadmissible) inadmissible, not counted)" : ""))
        }
        lines.append(String(format: "robust accuracy (%@): %.2f%%, clean %.2f%%, N = %d, %.1f s", attackSet, robustAccuracy * 100, cleanAccuracy * 100, n, totalSeconds))
        if let forwardPasses, let backwardPasses {
            lines.append(
                "passes: \(forwardPasses) forward (\(perPoint(forwardPassesPerPoint)) per point), \(backwardPasses) backward "
                    + "(\(perPoint(backwardPassesPerPoint)) per point); fwd/pt of a stage includes its verification forward")
        }
        if let perClass, !perClass.isEmpty {
            lines.append(
                "per class, robust (clean): "
                    + perClass.map { String(format: "%d: %.1f%% (%.1f%%, n %d)", $0.label, $0.robustAccuracy * 100, $0.cleanAccuracy * 100, $0.n) }
                    .joined(separator: ", "))
        }
        for f in flags { lines.append("warning [\(f.name)]: \(f.message)") }
        // The clean row ends in empty columns; no line keeps trailing blanks.
        return lines.map { $0.replacingOccurrences(of: " +$", with: "", options: .regularExpression) }.joined(separator: "\n")
    }
}
