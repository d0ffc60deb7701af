// Report.swift: the JSON report of `deat eval` (RobustBench-like fields, docs/attacks.md §10.1 and
// §11: clean and robust accuracy on the same N points, cumulative robust accuracy after each
// attack, ε, norm, every attack parameter, seed, device, dtype, version, timings, flags), the passes
// through the model per stage (§10.5), robust accuracy per class, the fields RobustBench's entries
// use (§11), and the readable table printed next to it. Fields added after the first release are
// optional, so reports written before them still decode.
import Foundation
import NN

/// The JSON report of `deat eval`: clean and robust accuracy on the same N points, robust accuracy
/// after each attack stage, ε, norm, attack parameters, seed, device, passes per stage and per-class accuracy.
public struct EvaluationReport: Codable, Sendable {
    /// One attack stage: its name and the robust accuracy after it (cumulative over the stages so far).
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
        /// The attack's own passes (§10.5), in total and per point of all N.
        public let forwardPasses: Int?
        public let backwardPasses: Int?
        public let forwardPassesPerPoint: Double?
        public let backwardPassesPerPoint: Double?
        /// The evaluator's fresh forward pass of each returned image (§1).
        public let verificationForwardPasses: Int?
    }

    /// Accuracy on the points of one true class.
    public struct ClassAccuracy: Codable, Sendable, Equatable {
        public let label: Int
        public let n: Int
        public let cleanAccuracy: Double
        public let robustAccuracy: Double
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
    /// Every pass of the evaluation: the clean pass, each attack's own, the verification forwards.
    public var forwardPasses: Int?
    public var backwardPasses: Int?
    public var forwardPassesPerPoint: Double?
    public var backwardPassesPerPoint: Double?
    public var perClass: [ClassAccuracy]?
    /// RobustBench's fields (§11): accuracies as percent strings with two decimals, as its model
    /// records write them; `autoattack_acc` only when the attacks are AutoAttack standard unreduced.
    public var cleanAcc: String?
    public var robustAcc: String?
    public var autoattackAcc: String?
    public var threatModel: String?
    public var eps: String?
    public var nExamples: Int?
    /// "standard" for unreduced AutoAttack standard, "custom" for any other list (AutoAttack's words).
    public var attackSetVersion: String?
    public var modelName: String?
    public var architecture: String?
    /// The adversarial images of `deat eval --save-adversarial`, as given.
    public var adversarialFile: String?

    public init(
        result: EvaluationResult, model: String, dataset: String, split: String, norm: String, epsilon: Double,
        epsilonText: String, attackSet: String, seed: UInt64, device: String, dtype: String, threads: Int, batchSize: Int,
        flags: [SanityFlag], totalSeconds: Double, deatVersion: String, labels: [Int] = [], modelName: String? = nil,
        architecture: String? = nil, standardAutoAttack: Bool = false
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
                minValue: $0.minValue, maxValue: $0.maxValue, forwardPasses: $0.passes.forwards,
                backwardPasses: $0.passes.backwards, forwardPassesPerPoint: Double($0.passes.forwards) / Double(max(result.n, 1)),
                backwardPassesPerPoint: Double($0.passes.backwards) / Double(max(result.n, 1)),
                verificationForwardPasses: $0.verificationForwards)
        }
        let passes = result.passes
        (forwardPasses, backwardPasses) = (passes.forwards, passes.backwards)
        forwardPassesPerPoint = Double(passes.forwards) / Double(max(result.n, 1))
        backwardPassesPerPoint = Double(passes.backwards) / Double(max(result.n, 1))
        perClass = labels.count == result.n ? Self.perClass(result: result, labels: labels) : nil
        func percent(_ x: Double) -> String { String(format: "%.2f", x * 100) }
        (cleanAcc, robustAcc) = (percent(result.cleanAccuracy), percent(result.robustAccuracy))
        autoattackAcc = standardAutoAttack ? percent(result.robustAccuracy) : nil
        (threatModel, eps, nExamples) = (norm, epsilonText, result.n)
        attackSetVersion = standardAutoAttack ? "standard" : "custom"
        (self.modelName, self.architecture) = (modelName ?? model, architecture)
        self.flags = flags
        self.totalSeconds = totalSeconds
        self.resumed = result.resumed
        self.date = ISO8601DateFormatter().string(from: Date())
    }

    /// Clean and robust accuracy over the points of each true class, in class order.
    static func perClass(result: EvaluationResult, labels: [Int]) -> [ClassAccuracy] {
        Set(labels).sorted().map { label in
            let points = labels.indices.filter { labels[$0] == label }
            let clean = points.filter { result.cleanFlags[$0] }.count
            let robust = points.filter { result.robustFlags[$0] }.count
            return ClassAccuracy(
                label: label, n: points.count, cleanAccuracy: Double(clean) / Double(points.count),
                robustAccuracy: Double(robust) / Double(points.count))
        }
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

    func pad(_ s: String, _ width: Int) -> String {
        s.count >= width ? s + " " : s + String(repeating: " ", count: width - s.count)
    }
}
