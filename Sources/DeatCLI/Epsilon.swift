// Epsilon.swift: an L∞ radius on the command line, in [0, 1] pixel units, written as a fraction
// (`8/255`, how papers state it) or a decimal (`0.1`, `0.031`).
import ArgumentParser
import Foundation

struct Epsilon: ExpressibleByArgument, CustomStringConvertible, Sendable {
    /// The radius in [0, 1] pixel units.
    let value: Double
    /// What the user wrote, for reports.
    let text: String

    init?(argument: String) {
        let trimmed = argument.trimmingCharacters(in: .whitespaces)
        let parts = trimmed.split(separator: "/", omittingEmptySubsequences: false)
        let parsed: Double?
        switch parts.count {
        case 1: parsed = Double(parts[0])
        case 2:
            if let numerator = Double(parts[0]), let denominator = Double(parts[1]), denominator > 0 {
                parsed = numerator / denominator
            } else {
                parsed = nil
            }
        default: parsed = nil
        }
        // ε is a pixel-space radius: above 1 it would mean the whole image space (a unit mistake, e.g. 8 for 8/255).
        guard let parsed, parsed.isFinite, parsed >= 0, parsed <= 1 else { return nil }
        value = parsed
        text = trimmed
    }

    init(_ value: Double) {
        self.value = value
        text = "\(value)"
    }

    var description: String { text }

    static var defaultCompletionKind: CompletionKind { .default }
}
