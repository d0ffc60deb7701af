// BenchTable.swift: the result of `deat bench paper` (Benchmarks.PaperBench writes it, `deat report`
// reads it back), laid out like the paper's Table 1 (docs/methods.md §3.1): method, training minutes
// (training loop only, docs/methods.md §0), backward passes, clean, PGD-20, PGD-100 (Table 1's),
// CW-20 and AutoAttack accuracy on the same N test points, which the setting line states. Written as bench.json (snake_case keys, like `deat eval`'s
// report) and bench.md. Also the result of `deat analyze` (analysis.json), in the same JSON style.
import Foundation

/// One method's row of `deat bench paper`'s table: training minutes, backward passes, and clean,
/// PGD-20, PGD-100, CW-20 and AutoAttack accuracy on the same N test points.
public struct BenchRow: Codable, Sendable, Equatable {
    public var method: String
    public var trainMinutes: Double
    public var backwardPasses: Int
    public var epochs: Int
    /// Replays or attack steps per epoch (the M+ trajectory for M+ methods).
    public var iterations: [Int]
    public var clean: Double?
    public var pgd20: Double?
    /// Table 1's PGD-100; nil in a bench.json written before deat measured it.
    public var pgd100: Double?
    public var cw20: Double?
    public var autoAttack: Double?
    /// Table 7's PGD-10 and PGD-50 (step 1/255 at ε = 4/255); nil for the other settings.
    public var pgd10: Double?
    public var pgd50: Double?

    /// The robust accuracies a bench measures, each under its column title, in the table's order.
    public static var attackColumns: [(title: String, value: KeyPath<BenchRow, Double?>)] { [
        ("PGD-10 %", \.pgd10), ("PGD-50 %", \.pgd50), ("PGD-20 %", \.pgd20), ("PGD-100 %", \.pgd100), ("CW-20 %", \.cw20), ("AA %", \.autoAttack),
    ] }
    /// A row of the second block (methods beyond Table 1); nil in a bench.json written before it.
    public var beyondTableOne: Bool?
    /// Where training diverged (a non-finite loss), e.g. "epoch 5, batch 25": the method was not
    /// evaluated, and the bench went on with the next one. nil for a method that trained.
    public var diverged: String?

    public init(method: String, trainMinutes: Double, backwardPasses: Int, epochs: Int, iterations: [Int]) {
        self.method = method
        self.trainMinutes = trainMinutes
        self.backwardPasses = backwardPasses
        self.epochs = epochs
        self.iterations = iterations
    }
}

/// The result of `deat bench paper` (bench.json and bench.md), laid out like the paper's Table 1.
public struct BenchTable: Codable, Sendable, Equatable {
    /// One line on what was run: dataset, model, ε, epochs, subset, N, checkpoint choice.
    public var setting: String
    public var rows: [BenchRow]
    public var deatVersion: String
    public var date: String

    public init(setting: String, rows: [BenchRow], deatVersion: String) {
        self.setting = setting
        self.rows = rows
        self.deatVersion = deatVersion
        date = ISO8601DateFormatter().string(from: Date())
    }

    public func json() throws -> Data { try snakeCaseJSON(self) }

    public static func decode(_ data: Data) throws -> BenchTable { try decodeSnakeCaseJSON(data) }

    /// The attack columns of the groups any row has measured: Table 7's PGD-10 and PGD-50, Table 1's
    /// PGD-20, PGD-100, CW-20 and AA (a group whole, so an older bench.json keeps its empty PGD-100
    /// column); Table 1's when none has any yet.
    var attackColumns: [(title: String, value: KeyPath<BenchRow, Double?>)] {
        let all = BenchRow.attackColumns
        let groups = [Array(all.prefix(2)), Array(all.dropFirst(2))]
        let measured = groups.filter { group in group.contains { column in rows.contains { $0[keyPath: column.value] != nil } } }
        return measured.isEmpty ? groups[1] : measured.flatMap { $0 }
    }

    public var header: [String] { ["method", "train min", "backward passes", "clean %"] + attackColumns.map(\.title) }

    /// The rows as text cells (accuracies in %, "–" where not measured).
    public var cells: [[String]] {
        let columns = attackColumns
        return rows.map { r in
            if let diverged = r.diverged {
                return [r.method, "–", "–", "diverged at \(diverged)"] + columns.map { _ in "–" }
            }
            return [r.method, String(format: "%.2f", r.trainMinutes), "\(r.backwardPasses)", percent(r.clean)] + columns.map { percent(r[keyPath: $0.value]) }
        }
    }

    public func markdown() -> String {
        let header = header
        var lines = [setting, "", "| " + header.joined(separator: " | ") + " |", "|" + String(repeating: "---|", count: header.count)]
        let secondBlock = rows.firstIndex { $0.beyondTableOne == true }
        for (index, cells) in cells.enumerated() {
            // A row naming the second block precedes its first row.
            if index == secondBlock { lines.append("| *beyond Table 1* |" + String(repeating: " |", count: header.count - 1)) }
            lines.append("| " + cells.joined(separator: " | ") + " |")
        }
        return lines.joined(separator: "\n") + "\n"
    }

    func percent(_ v: Double?) -> String { v.map { String(format: "%.2f", $0 * 100) } ?? "–" }
}

/// The result of `deat analyze` (analysis.json): one row per checkpoint and the correlations.
public struct AnalysisTable: Codable, Sendable, Equatable {
    /// One checkpoint's row.
    public struct Row: Codable, Sendable, Equatable {
        public var checkpoint: String
        /// Epochs trained when the checkpoint was written (from its metadata), if known.
        public var epoch: Int?
        /// M(e) of that epoch from the run's log.jsonl, if the checkpoint belongs to a run directory.
        public var epochMagnitude: Double?
        public var meanGradientL1: Double
        public var meanTopEigenvalue: Double
        public var robustAccuracy: Double
    }

    public var setting: String
    public var rows: [Row]
    /// Across checkpoints: proxy 2 (‖∇‖₁) against proxy 3 (λ_max); M(e) against λ_max when logged.
    public var pearsonGradientCurvature: Double?
    public var spearmanGradientCurvature: Double?
    public var pearsonMagnitudeCurvature: Double?
    public var spearmanMagnitudeCurvature: Double?

    public init(setting: String, rows: [Row]) {
        self.setting = setting
        self.rows = rows
    }

    public func json() throws -> Data { try snakeCaseJSON(self) }

    public static func decode(_ data: Data) throws -> AnalysisTable { try decodeSnakeCaseJSON(data) }
}

/// `value` as pretty-printed JSON with sorted snake_case keys.
func snakeCaseJSON(_ value: some Encodable) throws -> Data {
    let encoder = JSONEncoder()
    encoder.keyEncodingStrategy = .convertToSnakeCase
    encoder.outputFormatting = [.prettyPrinted, .sortedKeys]
    return try encoder.encode(value)
}

/// A value back from JSON with snake_case keys.
func decodeSnakeCaseJSON<T: Decodable>(_ data: Data) throws -> T {
    let decoder = JSONDecoder()
    decoder.keyDecodingStrategy = .convertFromSnakeCase
    return try decoder.decode(T.self, from: data)
}
