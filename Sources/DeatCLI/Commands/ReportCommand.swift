// ReportCommand.swift: `deat report RUN_DIR…`: a self-contained HTML page and
// the same figures as .svg files, from training runs, bench directories, eval reports with an
// ε-sweep and `deat analyze` results (Reports.HTMLReport).
//
//   deat report runs/bench-paper-fashion-mnist --out report/
import ArgumentParser
import Foundation
import Reports
import SafeTensors
import Storage

struct ReportCommand: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "report",
        abstract: "Write an HTML page with plots (and the plots as SVG files) for training runs, benches and analyses.",
        discussion: """
            Reads from each directory: log.jsonl (per-epoch r, gradient magnitude with the M+ reference, loss, clean and PGD \
            accuracy), bench.json (the table of deat bench paper, and its method subdirectories), *.json reports of deat eval \
            with an epsilon_sweep (deat eval --sweep N), and analysis.json (deat analyze). The page has no external assets.
            """)

    @Argument(help: "Run directories (deat train --out, deat bench paper --out, or any directory with eval reports).") var directories: [String]
    @Option(help: "Output directory for report.html and the .svg files (default: FIRST_DIR/report).") var out: String?

    func validate() throws {
        guard !directories.isEmpty else { throw ValidationError("give at least one run directory") }
    }

    func run() throws {
        let urls = directories.map { URL(fileURLWithPath: $0) }
        let report = try HTMLReport(directories: urls)
        let figures = report.figures
        guard !figures.isEmpty || !report.benches.isEmpty || !report.analyses.isEmpty else {
            throw ReportsError("nothing to plot in \(directories.joined(separator: ", ")): no log.jsonl, bench.json, analysis.json or eval report with an epsilon_sweep")
        }
        let outURL = URL(fileURLWithPath: out ?? urls[0].appendingPathComponent("report").path)
        try OutputDirectory.prepare(outURL)
        let page = try report.write(to: outURL)
        print("\(report.runs.count) run(s), \(figures.count) figure(s): \(figures.map(\.file).joined(separator: ", "))")
        print("report: \(page.path)")
    }
}

struct ReportsError: Error, CustomStringConvertible {
    let description: String
    init(_ description: String) { self.description = description }
}
