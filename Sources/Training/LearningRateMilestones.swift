// LearningRateMilestones.swift: where a multistep schedule multiplies the rate by 0.1, as each
// reference script places its decays (docs/methods.md §2.4): fractions of the run's minibatches
// (the DEAT scripts' per-iteration MultiStepLR, "1/2,4/5") or the first minibatch of given
// 0-based epochs (the TRADES and MART scripts' per-epoch adjust_learning_rate, "23,38"). Stored
// in the config as that text, so a resumed run rebuilds the same schedule.
import Foundation

/// Where a multistep schedule multiplies the rate by 0.1: fractions of the run's minibatches (the
/// DEAT scripts' "1/2,4/5") or the first minibatch of given 0-based epochs (TRADES and MART, "23,38").
public enum LearningRateMilestones: Codable, Sendable, Equatable, CustomStringConvertible {
    /// ×0.1 at minibatch ⌊T·n/d⌋ for each fraction n/d of the run's T minibatches.
    case fractions([Fraction])
    /// ×0.1 at the first minibatch of each of these 0-based epochs.
    case epochs([Int])

    /// A fraction n/d of the run's minibatches.
    public struct Fraction: Sendable, Equatable {
        public let numerator: Int, denominator: Int
        public init(_ numerator: Int, _ denominator: Int) { (self.numerator, self.denominator) = (numerator, denominator) }
    }

    /// T/2 and 4T/5: DEAT's Table 1 setting.
    public static let halfAndFourFifths = LearningRateMilestones.fractions([.init(1, 2), .init(4, 5)])
    /// T/2 and 3T/4: the DEAT scripts' WideResNet branch.
    public static let halfAndThreeQuarters = LearningRateMilestones.fractions([.init(1, 2), .init(3, 4)])

    /// The minibatch indices (0-based, over the whole run) where the rate drops. Integer
    /// arithmetic, so ⌊T·4/5⌋ is exact where a float product could land one below.
    public func iterations(epochs: Int, perEpoch: Int) -> [Int] {
        switch self {
        case .fractions(let list): list.map { epochs * perEpoch * $0.numerator / $0.denominator }
        case .epochs(let list): list.map { $0 * perEpoch }
        }
    }

    /// "1/2,4/5" (fractions of the run) or "23,38" (0-based epochs); nil for anything else.
    public init?(text: String) {
        let parts = text.split(separator: ",", omittingEmptySubsequences: false).map { $0.trimmingCharacters(in: .whitespaces) }
        guard !parts.isEmpty else { return nil }
        if parts.allSatisfy({ $0.contains("/") }) {
            var list: [Fraction] = []
            for part in parts {
                let pair = part.split(separator: "/", omittingEmptySubsequences: false)
                guard pair.count == 2, let n = Int(pair[0]), let d = Int(pair[1]), n >= 0, d > 0, n <= d else { return nil }
                list.append(Fraction(n, d))
            }
            self = .fractions(list)
        } else {
            let list = parts.compactMap { Int($0) }.filter { $0 >= 0 }
            guard list.count == parts.count else { return nil }
            self = .epochs(list)
        }
    }

    public var description: String {
        switch self {
        case .fractions(let list): list.map { "\($0.numerator)/\($0.denominator)" }.joined(separator: ",")
        case .epochs(let list): list.map(String.init).joined(separator: ",")
        }
    }

    public init(from decoder: any Decoder) throws {
        let text = try decoder.singleValueContainer().decode(String.self)
        guard let value = Self(text: text) else {
            throw DecodingError.dataCorrupted(.init(codingPath: decoder.codingPath, debugDescription: "bad learning-rate milestones '\(text)'"))
        }
        self = value
    }

    public func encode(to encoder: any Encoder) throws {
        var container = encoder.singleValueContainer()
        try container.encode(description)
    }
}
