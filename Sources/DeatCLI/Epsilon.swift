// Epsilon.swift: the ε argument of `deat eval` and `deat train` (docs/attacks.md §1, §13.6): a
// fraction of the [0, 1] pixel range written as `8/255` or a decimal such as `0.1`. A bare
// integer above 1 (`8`) is refused: it is almost always a forgotten `/255`.
import ArgumentParser
import Foundation

struct Epsilon: ExpressibleByArgument, Equatable, CustomStringConvertible {
    /// ε as a number in [0, 1].
    let value: Double
    /// As the user wrote it ("8/255"), kept for reports.
    let text: String

    init?(argument: String) {
        let trimmed = argument.trimmingCharacters(in: .whitespaces)
        let parts = trimmed.split(separator: "/", omittingEmptySubsequences: false)
        let value: Double
        switch parts.count {
        case 1:
            guard let v = Double(parts[0]) else { return nil }
            value = v
        case 2:
            guard let numerator = Double(parts[0]), let denominator = Double(parts[1]), denominator > 0 else { return nil }
            value = numerator / denominator
        default:
            return nil
        }
        guard value.isFinite, value >= 0, value <= 1 else { return nil }
        self.value = value
        self.text = trimmed
    }

    /// A value deat chose (a default, or ε from a checkpoint's metadata).
    init(_ value: Double) {
        self.value = value
        text = abs(value * 255 - (value * 255).rounded()) < 1e-9 && value < 1 && value * 255 >= 1
            ? "\(Int((value * 255).rounded()))/255" : "\(value)"
    }

    var description: String { text }

    static var defaultValueDescription: String { "8/255" }
}
