// RunDirectory.swift: what `deat report` and `deat analyze` read from a directory: a training run
// (log.jsonl, epoch-N.safetensors), `deat eval` reports (*.json with an epsilon_sweep), a bench
// table (bench.json, whose method runs are subdirectories) and an analysis (analysis.json).
import Evaluation
import Foundation
import Training

/// What `deat report` and `deat analyze` read from a directory: a training run, `deat eval`
/// reports, a bench table and an analysis.
public struct RunDirectory {
    public let url: URL
    public var name: String
    public var records: [EpochRecord] = []
    /// (file name, report) for every readable `deat eval` report in the directory.
    public var evaluations: [(file: String, report: EvaluationReport)] = []
    public var bench: BenchTable?
    public var analysis: AnalysisTable?

    /// Reads everything it recognises; unreadable or unrelated files are skipped.
    public init(_ url: URL, name: String? = nil) throws {
        self.url = url
        self.name = name ?? url.standardizedFileURL.lastPathComponent
        var isDirectory: ObjCBool = false
        guard FileManager.default.fileExists(atPath: url.path, isDirectory: &isDirectory), isDirectory.boolValue else {
            throw EvaluationError("\(url.path) is not a directory (give a run directory written by deat train, deat bench paper or deat analyze)")
        }
        records = try Self.readLog(url.appendingPathComponent("log.jsonl"))
        let names = (try? FileManager.default.contentsOfDirectory(atPath: url.path))?.sorted() ?? []
        for file in names where file.hasSuffix(".json") {
            guard let data = try? Data(contentsOf: url.appendingPathComponent(file)) else { continue }
            if file == "bench.json" {
                bench = try? BenchTable.decode(data)
            } else if file == "analysis.json" {
                analysis = try? AnalysisTable.decode(data)
            } else if let report = try? EvaluationReport.decode(data) {
                evaluations.append((file, report))
            }
        }
    }

    /// The run directories of a bench: the subdirectories holding a log, in the table's order.
    public func benchRuns() -> [RunDirectory] {
        let names = (try? FileManager.default.contentsOfDirectory(atPath: url.path))?.sorted() ?? []
        let order = bench?.rows.map(\.method) ?? []
        let runs = names.compactMap { n -> RunDirectory? in
            let sub = url.appendingPathComponent(n)
            guard FileManager.default.fileExists(atPath: sub.appendingPathComponent("log.jsonl").path) else { return nil }
            return try? RunDirectory(sub)
        }
        return runs.sorted { (order.firstIndex(of: $0.name) ?? .max, $0.name) < (order.firstIndex(of: $1.name) ?? .max, $1.name) }
    }

    /// The per-epoch models kept by `--keep-epochs`, by epoch number.
    public func epochModels() -> [(epoch: Int, url: URL)] {
        let names = (try? FileManager.default.contentsOfDirectory(atPath: url.path)) ?? []
        return names.compactMap { n -> (Int, URL)? in
            guard n.hasPrefix("epoch-"), n.hasSuffix(".safetensors"),
                let e = Int(n.dropFirst("epoch-".count).dropLast(".safetensors".count))
            else { return nil }
            return (e, url.appendingPathComponent(n))
        }.sorted { $0.0 < $1.0 }
    }

    /// One EpochRecord per line; a missing file is an empty log.
    public static func readLog(_ url: URL) throws -> [EpochRecord] {
        guard let text = try? String(contentsOf: url, encoding: .utf8) else { return [] }
        let decoder = JSONDecoder()
        return try text.split(separator: "\n").enumerated().map { i, line in
            do {
                return try decoder.decode(EpochRecord.self, from: Data(line.utf8))
            } catch {
                throw EvaluationError("\(url.path) line \(i + 1) is not an epoch record (\(error))")
            }
        }
    }
}
