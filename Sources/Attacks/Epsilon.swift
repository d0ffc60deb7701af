// Epsilon.swift: a perturbation radius as the user wrote it (docs/attacks.md §1, §13.6): a fraction
// of the [0, 1] pixel range written as `8/255` or a decimal such as `0.1`. A bare integer above 1
// (`8`) is refused: it is almost always a forgotten `/255`. Reports keep the user's text.
import Foundation

/// A perturbation radius as the user wrote it: a fraction of the [0, 1] pixel range such as `8/255`
/// or `0.1`. A bare integer above 1 is refused (almost always a forgotten `/255`).
public struct Epsilon: Equatable, Sendable, CustomStringConvertible {
    /// ε as a number in [0, 1].
    public let value: Double
    /// As the user wrote it ("8/255"), or deat's rendering of a value it chose.
    public let text: String

    /// Parses `8/255` or `0.1`; nil for anything else or a value outside [0, 1].
    public init?(text: String) {
        let trimmed = text.trimmingCharacters(in: .whitespaces)
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

    /// A value deat chose (a default, or ε from a checkpoint's metadata), shown as k/255 when it is one.
    public init(_ value: Double) {
        self.value = value
        text = abs(value * 255 - (value * 255).rounded()) < 1e-9 && value < 1 && value * 255 >= 1
            ? "\(Int((value * 255).rounded()))/255" : "\(value)"
    }

    public var description: String { text }
}
