// HTMLReport.swift: `deat report RUN_DIR…`: one self-contained HTML page (inline
// SVG and CSS, no external asset, so it opens from a mail attachment or an air-gapped machine) and
// the same figures as .svg files: per-epoch r, gradient magnitude M(e) with the M+ reference,
// training loss, validation clean/PGD accuracy, robust accuracy vs ε, the bench table, the
// gradient-vs-curvature analysis and, for an evaluation saved with --save-adversarial, a grid of
// clean / adversarial / perturbation images with robust accuracy per class, each only when some
// directory has the data.
//
//   let report = try HTMLReport(directories: [URL(fileURLWithPath: "runs/bench")])
//   try report.write(to: URL(fileURLWithPath: "runs/bench/report"))
import Evaluation
import Foundation
import Training

/// `deat report`: one self-contained HTML page (inline SVG and CSS) and the same figures as .svg
/// files, from training runs, evaluation reports, bench tables and analyses.
public struct HTMLReport {
    /// One figure: its .svg file name, its caption and its chart.
    public struct Figure {
        public let file: String
        public let caption: String
        public let chart: LineChart
    }

    public var runs: [RunDirectory] = []
    public var benches: [(name: String, table: BenchTable)] = []
    public var analyses: [(name: String, table: AnalysisTable)] = []
    public var evaluations: [(name: String, report: EvaluationReportSweep)] = []
    /// Evaluations whose adversarial images were saved: the grid and the accuracy per class.
    public var adversarial: [(name: String, grid: AdversarialGrid, perClass: [EvaluationReport.ClassAccuracy])] = []

    /// A sweep from an eval report: the label and its (ε, accuracy) points.
    public struct EvaluationReportSweep { public let points: [[Double]]; public let model: String }

    /// Reads the directories; a bench directory contributes its table and each method's run.
    public init(directories: [URL]) throws {
        for url in directories {
            let dir = try RunDirectory(url)
            if let bench = dir.bench {
                benches.append((dir.name, bench))
                runs += dir.benchRuns()
            }
            if !dir.records.isEmpty { runs.append(dir) }
            if let a = dir.analysis { analyses.append((dir.name, a)) }
        }
        for run in runs + directories.compactMap({ try? RunDirectory($0) }) {
            for (file, report) in run.evaluations {
                let label = run.name + "/" + file
                if let saved = report.adversarialFile, !adversarial.contains(where: { $0.name == label }),
                    let grid = Self.grid(saved, in: run.url)
                {
                    adversarial.append((label, grid, report.perClass ?? []))
                }
                guard let sweep = report.epsilonSweep, !sweep.isEmpty else { continue }
                if !evaluations.contains(where: { $0.name == label }) {
                    evaluations.append((label, EvaluationReportSweep(points: sweep, model: report.model)))
                }
            }
        }
    }

    /// The saved file beside the report in the run directory, else at the path as given; nil when
    /// neither reads (the report shows what it can).
    static func grid(_ path: String, in directory: URL) -> AdversarialGrid? {
        let beside = directory.appendingPathComponent(URL(fileURLWithPath: path).lastPathComponent)
        return (try? AdversarialGrid(file: beside)) ?? (try? AdversarialGrid(file: URL(fileURLWithPath: path)))
    }

    public var figures: [Figure] {
        var list: [Figure] = []
        let withLogs = runs.filter { !$0.records.isEmpty }
        func perEpoch(_ value: (EpochRecord) -> Double?) -> [LineChart.Series] {
            withLogs.map { run in
                .init(name: run.name, points: run.records.compactMap { r in value(r).map { (Double(r.epoch + 1), $0) } })
            }
        }
        if !withLogs.isEmpty {
            list.append(Figure(
                file: "iterations.svg", caption: "Replays r (DEAT, FREE) or attack steps (PGD, TRADES, MART) per epoch.",
                chart: LineChart(title: "Iterations per epoch", xLabel: "epoch", yLabel: "r", series: perEpoch { Double($0.iterations) }, yFromZero: true)))
            var magnitude: [LineChart.Series] = []
            for run in withLogs {
                magnitude.append(.init(name: run.name, points: run.records.map { (Double($0.epoch + 1), $0.gradientMagnitude) }))
                let reference = run.records.compactMap { r in r.mPlusReference.map { (Double(r.epoch + 1), $0) } }
                if !reference.isEmpty { magnitude.append(.init(name: run.name + " M+ ref", points: reference, style: .dashed)) }
            }
            list.append(Figure(
                file: "gradient-magnitude.svg",
                caption: "M(e) = Σ over minibatches of ‖∂L/∂x̃‖₁; dashed: the M+ reference after each epoch's decision (r rises when M(e) exceeds the previous reference).",
                chart: LineChart(title: "Gradient magnitude M(e)", xLabel: "epoch", yLabel: "Σ ‖∂L/∂x̃‖₁", series: magnitude)))
            list.append(Figure(
                file: "train-loss.svg", caption: "Training loss (of the last replay or the training step).",
                chart: LineChart(title: "Training loss", xLabel: "epoch", yLabel: "loss", series: perEpoch { $0.trainLoss })))
            var accuracy: [LineChart.Series] = []
            for run in withLogs {
                accuracy.append(.init(name: run.name + " clean", points: run.records.map { (Double($0.epoch + 1), $0.cleanAccuracy * 100) }))
                accuracy.append(.init(name: run.name + " PGD", points: run.records.map { (Double($0.epoch + 1), $0.robustAccuracy * 100) }, style: .dashed))
            }
            list.append(Figure(
                file: "accuracy.svg", caption: "Validation accuracy per epoch: clean (solid) and \(withLogs[0].records[0].validation) (dashed).",
                chart: LineChart(title: "Validation accuracy", xLabel: "epoch", yLabel: "accuracy %", series: accuracy, yFromZero: true)))
        }
        if !evaluations.isEmpty {
            let series = evaluations.map { e in
                LineChart.Series(name: e.name, points: e.report.points.compactMap { $0.count == 2 ? ($0[0] * 255, $0[1] * 100) : nil })
            }
            list.append(Figure(
                file: "epsilon-sweep.svg", caption: "Robust accuracy under PGD-20 as ε grows (deat eval --sweep); it must fall to 0 at large ε.",
                chart: LineChart(title: "Robust accuracy vs ε", xLabel: "ε × 255", yLabel: "accuracy %", series: series, yFromZero: true)))
        }
        if !analyses.isEmpty {
            let series = analyses.map { a in
                LineChart.Series(name: a.name, points: a.table.rows.map { ($0.meanGradientL1, $0.meanTopEigenvalue) }, style: .markers)
            }
            list.append(Figure(
                file: "analysis.svg",
                caption: "Per checkpoint: mean ‖∇_x̃ CE‖₁ at PGD-10 points against the mean largest input-Hessian eigenvalue (deat's proxies, docs/methods.md §6).",
                chart: LineChart(title: "Gradient magnitude vs curvature", xLabel: "mean ‖∇x̃ CE‖₁", yLabel: "mean λmax", series: series)))
        }
        return list
    }

    /// Writes report.html and the figures' .svg files into `directory`; returns the page's URL.
    @discardableResult
    public func write(to directory: URL) throws -> URL {
        try FileManager.default.createDirectory(at: directory, withIntermediateDirectories: true)
        for figure in figures {
            try Data(figure.chart.svg().utf8).write(to: directory.appendingPathComponent(figure.file), options: .atomic)
        }
        let page = directory.appendingPathComponent("report.html")
        try Data(html().utf8).write(to: page, options: .atomic)
        return page
    }

    public func html() -> String {
        var body = "<h1>deat report</h1>\n<p>Runs: \(runs.isEmpty ? "none" : runs.map { xmlEscaped($0.name) }.joined(separator: ", ")).</p>\n"
        for (name, table) in benches {
            body += "<h2>Bench: \(xmlEscaped(name))</h2>\n<p>\(xmlEscaped(table.setting))</p>\n"
            body += htmlTable(header: table.header, rows: table.cells)
        }
        for (name, a) in analyses {
            body += "<h2>Analysis: \(xmlEscaped(name))</h2>\n<p>\(xmlEscaped(a.setting))</p>\n"
            body += htmlTable(
                header: ["checkpoint", "epoch", "M(e)", "mean ‖∇x̃ CE‖₁", "mean λmax", "PGD acc %"],
                rows: a.rows.map { r in
                    [r.checkpoint, r.epoch.map(String.init) ?? "–", r.epochMagnitude.map { String(format: "%.4g", $0) } ?? "–",
                     String(format: "%.4g", r.meanGradientL1), String(format: "%.4g", r.meanTopEigenvalue), String(format: "%.2f", r.robustAccuracy * 100)]
                })
            body += "<p>" + xmlEscaped(AnalysisText.correlations(a)) + "</p>\n"
        }
        for (name, grid, perClass) in adversarial {
            body += "<h2>Adversarial examples: \(xmlEscaped(name))</h2>\n<p>From \(xmlEscaped(grid.file)), the first \(grid.examples.count) points an attack broke.</p>\n"
            body += grid.html()
            body += htmlTable(
                header: ["class", "points", "clean %", "robust %"],
                rows: perClass.map { ["\($0.label)", "\($0.n)", String(format: "%.2f", $0.cleanAccuracy * 100), String(format: "%.2f", $0.robustAccuracy * 100)] })
        }
        for figure in figures {
            body += "<figure>\n\(figure.chart.svg())<figcaption>\(xmlEscaped(figure.caption)) (<a href=\"\(figure.file)\">\(figure.file)</a>)</figcaption>\n</figure>\n"
        }
        return """
            <!DOCTYPE html>
            <html lang="en">
            <head>
            <meta charset="utf-8">
            <title>deat report</title>
            <style>
            body { font-family: sans-serif; margin: 24px; color: #222; }
            table { border-collapse: collapse; margin: 8px 0 16px; }
            th, td { border: 1px solid #bbb; padding: 3px 8px; text-align: right; }
            th:first-child, td:first-child { text-align: left; }
            figure { display: inline-block; margin: 8px; vertical-align: top; }
            figcaption { max-width: 560px; font-size: 12px; color: #555; }
            </style>
            </head>
            <body>
            \(body)</body>
            </html>

            """
    }

    func htmlTable(header: [String], rows: [[String]]) -> String {
        var out = "<table>\n<tr>" + header.map { "<th>\(xmlEscaped($0))</th>" }.joined() + "</tr>\n"
        for row in rows { out += "<tr>" + row.map { "<td>\(xmlEscaped($0))</td>" }.joined() + "</tr>\n" }
        return out + "</table>\n"
    }
}

/// The correlation sentence shared by `deat analyze` and the report.
enum AnalysisText {
    static func correlations(_ a: AnalysisTable) -> String {
        func v(_ x: Double?) -> String { x.map { String(format: "%.3f", $0) } ?? "n/a" }
        var text = "‖∇‖₁ vs λmax over \(a.rows.count) checkpoints: Pearson \(v(a.pearsonGradientCurvature)), Spearman \(v(a.spearmanGradientCurvature))"
        if a.pearsonMagnitudeCurvature != nil || a.spearmanMagnitudeCurvature != nil {
            text += "; M(e) vs λmax: Pearson \(v(a.pearsonMagnitudeCurvature)), Spearman \(v(a.spearmanMagnitudeCurvature))"
        }
        return text
    }
}
