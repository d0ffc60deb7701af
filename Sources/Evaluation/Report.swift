// Report.swift: the JSON report of `deat eval` (RobustBench-like fields, docs/attacks.md §10.1 and
// §11: clean and robust accuracy on the same N points, cumulative robust accuracy after each
// attack, ε, norm, every attack parameter, seed, device, dtype, version, timings, flags) and the
// readable table printed next to it.
import Foundation

public struct EvaluationReport: Codable, Sendable {
    public struct Stage: Codable, Sendable {
        public let name: String
        public let parameters: [String: String]
        public let attacked: Int
        public let broken: Int
        /// Robust accuracy after this attack, over all N (cumulative, point-wise worst case).
        public let robustAccuracy: Double
        public let seconds: Double
        public let inadmissible: Int
        public let maxPerturbation: Double
        public let hasNan: Bool
        public let minValue: Double
        public let maxValue: Double
    }

    public var deatVersion: String
    public var model: String
    public var dataset: String
    public var split: String
    /// Which points: "first N of the test split".
    public var subset: String
    public var n: Int
    public var norm: String
    public var epsilon: Double
    /// ε as given ("8/255").
    public var epsilonText: String
    public var attackSet: String
    public var seed: UInt64
    public var device: String
    public var dtype: String
    public var threads: Int
    public var batchSize: Int
    public var cleanAccuracy: Double
    public var robustAccuracy: Double
    public var stages: [Stage]
    public var flags: [SanityFlag]
    public var epsilonSweep: [[Double]]?
    public var totalSeconds: Double
    public var resumed: Bool
    public var date: String

    public init(
        result: EvaluationResult, model: String, dataset: String, split: String, norm: String, epsilon: Double,
        epsilonText: String, attackSet: String, seed: UInt64, device: String, dtype: String, threads: Int, batchSize: Int,
        flags: [SanityFlag], totalSeconds: Double, deatVersion: String
    ) {
        self.deatVersion = deatVersion
        self.model = model
        self.dataset = dataset
        self.split = split
        self.subset = "first \(result.n) of the \(split) split"
        self.n = result.n
        self.norm = norm
        self.epsilon = epsilon
        self.epsilonText = epsilonText
        self.attackSet = attackSet
        self.seed = seed
        self.device = device
        self.dtype = dtype
        self.threads = threads
        self.batchSize = batchSize
        self.cleanAccuracy = result.cleanAccuracy
        self.robustAccuracy = result.robustAccuracy
        self.stages = result.attacks.map {
            Stage(
                name: $0.name, parameters: $0.parameters, attacked: $0.attacked, broken: $0.broken,
                robustAccuracy: Double($0.robustAfter) / Double(max(result.n, 1)), seconds: $0.seconds,
                inadmissible: $0.inadmissible, maxPerturbation: $0.maxPerturbation, hasNan: $0.hasNaN,
                minValue: $0.minValue, maxValue: $0.maxValue)
        }
        self.flags = flags
        self.totalSeconds = totalSeconds
        self.resumed = result.resumed
        self.date = ISO8601DateFormatter().string(from: Date())
    }

    public func json() throws -> Data {
        let encoder = JSONEncoder()
        encoder.keyEncodingStrategy = .convertToSnakeCase
        encoder.outputFormatting = [.prettyPrinted, .sortedKeys]
        return try encoder.encode(self)
    }

    public static func decode(_ data: Data) throws -> EvaluationReport {
        let decoder = JSONDecoder()
        decoder.keyDecodingStrategy = .convertFromSnakeCase
        return try decoder.decode(EvaluationReport.self, from: data)
    }

    /// The table: clean accuracy, then each attack with its cumulative robust accuracy, and
    /// AutoAttack's admissibility summary per attack.
    public func table() -> String {
        var lines = [
            "\(model) on \(dataset) (\(subset)), \(norm) ε = \(epsilonText), seed \(seed), \(device), \(dtype)",
            pad("stage", 14) + pad("attacked", 10) + pad("broken", 8) + pad("robust acc", 12) + pad("time", 10) + "max ‖δ‖  range     NaN",
            pad("clean", 14) + pad("", 10) + pad("", 8) + pad(String(format: "%.2f%%", cleanAccuracy * 100), 12),
        ]
        for s in stages {
            lines.append(
                pad(s.name, 14) + pad("\(s.attacked)", 10) + pad("\(s.broken)", 8)
                    + pad(String(format: "%.2f%%", s.robustAccuracy * 100), 12) + pad(String(format: "%.1f s", s.seconds), 10)
                    + String(format: "%.5f  [%.2f, %.2f]  %@", s.maxPerturbation, s.minValue, s.maxValue, s.hasNan ? "yes" : "no")
                    + (s.inadmissible > 0 ? "  (\(s.inadmissible) inadmissible, not counted)" : ""))
        }
        lines.append(String(format: "robust accuracy (%@): %.2f%%, clean %.2f%%, N = %d, %.1f s", attackSet, robustAccuracy * 100, cleanAccuracy * 100, n, totalSeconds))
        for f in flags { lines.append("warning [\(f.name)]: \(f.message)") }
        return lines.joined(separator: "\n")
    }

    func pad(_ s: String, _ width: Int) -> String {
        s.count >= width ? s + " " : s + String(repeating: " ", count: width - s.count)
    }
}
