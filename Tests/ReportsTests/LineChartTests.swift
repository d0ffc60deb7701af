// The SVG line-chart writer and the HTML report of `deat report`: every figure parses as XML, the
// axes cover the data, text is escaped, and the page is self-contained.
import Foundation
#if canImport(FoundationXML)
import FoundationXML
#endif
import Reports
import Testing
import TestSupport
import Training

/// Collects element names and attributes while parsing, and fails on malformed XML.
final class ElementCollector: NSObject, XMLParserDelegate {
    var elements: [(name: String, attributes: [String: String])] = []
    func parser(_ parser: XMLParser, didStartElement name: String, namespaceURI: String?, qualifiedName: String?, attributes: [String: String]) {
        elements.append((name, attributes))
    }

    static func parse(_ text: String) -> ElementCollector? {
        let parser = XMLParser(data: Data(text.utf8))
        let collector = ElementCollector()
        parser.delegate = collector
        return parser.parse() ? collector : nil
    }
}

@Suite("SVG charts and the HTML report")
struct LineChartTests {
    let chart = LineChart(
        title: "M(e) & <ref>", xLabel: "epoch", yLabel: "Σ ‖∂L/∂x̃‖₁",
        series: [
            .init(name: "mplus-deat", points: [(1, 2829.7), (2, 2977.35), (3, 3028.75), (4, 3189.18)]),
            .init(name: "ref \"γ·M\"", points: [(2, 2858.0), (3, 3007.1), (4, 3221.07)], style: .dashed),
            .init(name: "nan is dropped", points: [(5, .nan), (1, -12.5)], style: .markers),
        ])

    @Test("the SVG parses as XML, with one polyline per line series and one circle per point")
    func parses() throws {
        let collector = try #require(ElementCollector.parse(chart.svg()))
        #expect(collector.elements.first?.name == "svg")
        #expect(collector.elements.filter { $0.name == "polyline" }.count == 2)
        #expect(collector.elements.filter { $0.name == "circle" }.count == 4 + 3 + 1)
        #expect(chart.svg().contains("M(e) &amp; &lt;ref&gt;"))
    }

    @Test("the axes cover every point, and every drawn point lies inside the plot area")
    func axesCoverData() throws {
        let points = chart.series.flatMap(\.points)
        let (x, y) = (chart.xAxis, chart.yAxis)
        for p in points {
            #expect(x.low <= p.x && p.x <= x.high)
            #expect(y.low <= p.y && p.y <= y.high)
        }
        #expect(x.ticks.first == x.low && x.ticks.last == x.high)
        #expect(y.ticks.count >= 3 && y.ticks.count <= 12)
        let collector = try #require(ElementCollector.parse(chart.svg()))
        let frame = try #require(collector.elements.first { $0.name == "rect" && $0.attributes["fill"] == "none" }?.attributes)
        let (left, top) = (Double(frame["x"]!)!, Double(frame["y"]!)!)
        let (right, bottom) = (left + Double(frame["width"]!)!, top + Double(frame["height"]!)!)
        for circle in collector.elements where circle.name == "circle" {
            let cx = Double(circle.attributes["cx"]!)!, cy = Double(circle.attributes["cy"]!)!
            #expect(left - 0.05 <= cx && cx <= right + 0.05 && top - 0.05 <= cy && cy <= bottom + 0.05)
        }
    }

    @Test("degenerate data: one value, zero-based accuracy axes, no data at all", arguments: [[0.5], [0.0, 0.0], [97.3, 99.1]])
    func degenerate(values: [Double]) throws {
        let axis = LineChart.axis(values, fromZero: true)
        #expect(axis.low <= 0 && axis.high >= values.max()! && axis.high > axis.low)
        let empty = LineChart(title: "t", xLabel: "x", yLabel: "y", series: [.init(name: "none", points: [])])
        #expect(ElementCollector.parse(empty.svg()) != nil)
        #expect(empty.svg().contains("no data"))
    }

    @Test("the report of a run directory: a self-contained page whose figures parse, plus the .svg files")
    func htmlReport() throws {
        try withTemporaryDirectory { dir in
            let run = dir.appendingPathComponent("mplus-deat")
            try FileManager.default.createDirectory(at: run, withIntermediateDirectories: true)
            // log.jsonl as `deat train` writes it (EpochRecord's keys), M+ reference from epoch 2 on.
            var log = ""
            for e in 0..<4 {
                let reference = e >= 1 ? "101" : "null"
                log += "{\"epoch\":\(e),\"iterations\":\(e == 0 ? 1 : 2),\"learningRate\":0.05,\"trainLoss\":\(1.0 / Double(e + 1)),"
                    + "\"trainAccuracy\":0.5,\"forwardPasses\":10,\"backwardPasses\":10,\"totalForwardPasses\":\(10 * (e + 1)),"
                    + "\"totalBackwardPasses\":\(10 * (e + 1)),\"seconds\":1,\"totalSeconds\":\(e + 1),\"gradientMagnitude\":\(100 + e),"
                    + "\"mPlusReference\":\(reference),\"cleanAccuracy\":0.7,\"robustAccuracy\":0.4,"
                    + "\"validation\":\"cw-10 on the first 64 test points\",\"dataWaitSeconds\":0}\n"
            }
            try Data(log.utf8).write(to: run.appendingPathComponent("log.jsonl"))
            #expect(try RunDirectory.readLog(run.appendingPathComponent("log.jsonl")).map(\.iterations) == [1, 2, 2, 2])
            var row = BenchRow(method: "mplus-deat", trainMinutes: 0.07, backwardPasses: 40, epochs: 4, iterations: [1, 2, 2, 2])
            (row.clean, row.pgd20, row.pgd100, row.cw20, row.autoAttack) = (0.7, 0.45, 0.43, 0.44, 0.41)
            let bench = BenchTable(setting: "a test <bench>", rows: [row], deatVersion: "test")
            try bench.json().write(to: dir.appendingPathComponent("bench.json"))
            #expect(try BenchTable.decode(bench.json()) == bench)
            #expect(bench.markdown().contains("| mplus-deat | 0.07 | 40 | 70.00 | 45.00 | 43.00 | 44.00 | 41.00 |"))
            // Rows beyond Table 1 form a second block, introduced by a row naming it.
            var modern = BenchRow(method: "nfgsm", trainMinutes: 0.02, backwardPasses: 8, epochs: 4, iterations: [1, 1, 1, 1])
            modern.beyondTableOne = true
            let blocks = BenchTable(setting: "blocks", rows: [row, modern], deatVersion: "test").markdown().split(separator: "\n")
            #expect(blocks.count >= 3)
            let last = blocks.suffix(3).map(String.init)
            #expect(last.count == 3 && last[0].hasPrefix("| mplus-deat |") && last[2].hasPrefix("| nfgsm | 0.02 | 8 |"))
            #expect(last.count == 3 && last[1] == "| *beyond Table 1* | | | | | | | |")
            // A bench.json from before PGD-100 still reads, with the column empty.
            var older = try #require(JSONSerialization.jsonObject(with: bench.json()) as? [String: Any])
            older["rows"] = (older["rows"] as? [[String: Any]])?.map { $0.filter { $0.key != "pgd100" } }
            let olderTable = try BenchTable.decode(JSONSerialization.data(withJSONObject: older))
            #expect(olderTable.rows.first?.pgd100 == nil && olderTable.rows.first?.pgd20 == 0.45)
            #expect(olderTable.markdown().contains("| 70.00 | 45.00 | – | 44.00 | 41.00 |"))

            let report = try HTMLReport(directories: [dir])
            let page = try report.write(to: dir.appendingPathComponent("report"))
            let html = try String(contentsOf: page, encoding: .utf8)
            #expect(html.hasPrefix("<!DOCTYPE html>"))
            for figure in ["iterations.svg", "gradient-magnitude.svg", "train-loss.svg", "accuracy.svg"] {
                let svg = try String(contentsOf: dir.appendingPathComponent("report/\(figure)"), encoding: .utf8)
                #expect(ElementCollector.parse(svg) != nil, "\(figure)")
                #expect(html.contains(figure))
            }
            #expect(html.contains("M+ ref"))
            #expect(html.contains("a test &lt;bench&gt;") && html.contains("<td>41.00</td>"))
            // Self-contained: no script, stylesheet or image fetched from anywhere.
            for external in ["<script", "<link", "<img", "http://", "https://"] where external != "http://" {
                #expect(!html.contains(external), "\(external)")
            }
            #expect(!html.replacingOccurrences(of: "http://www.w3.org/2000/svg", with: "").contains("http"))
            // The page body is well-formed XML apart from the doctype and the unclosed <meta>.
            let xml = html.replacingOccurrences(of: "<!DOCTYPE html>", with: "").replacingOccurrences(of: "<meta charset=\"utf-8\">", with: "")
            #expect(ElementCollector.parse(xml) != nil)
        }
    }
}
