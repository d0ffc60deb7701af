// LineChart.swift: a small SVG line-chart writer for `deat report`. No Swift package at
// hand draws charts (Plot, the closest, is an HTML DSL, not a plotter), so this
// one draws exactly what the report needs: numeric x and y axes with "nice" ticks that cover every
// point, one polyline (or dashed line, or markers only) per series, a legend, escaped text.
//
//   let svg = LineChart(title: "r per epoch", xLabel: "epoch", yLabel: "r",
//                       series: [.init(name: "mplus-deat", points: [(1, 1), (2, 2)])]).svg()
import Foundation

/// A small SVG line chart: numeric axes with ticks that cover every point, one line per series, a legend.
public struct LineChart: Sendable {
    /// One named series of (x, y) points.
    public struct Series: Sendable {
        /// How a series is drawn.
        public enum Style: String, Sendable { case line, dashed, markers }
        public var name: String
        public var points: [(x: Double, y: Double)]
        public var style: Style
        public init(name: String, points: [(x: Double, y: Double)], style: Style = .line) {
            self.name = name
            self.points = points.filter { $0.x.isFinite && $0.y.isFinite }  // a NaN must not poison the axes
            self.style = style
        }
    }

    /// An axis: its range and tick values, all inside the range.
    public struct Axis: Sendable, Equatable {
        public var low: Double
        public var high: Double
        public var ticks: [Double]
    }

    public var title: String
    public var xLabel: String
    public var yLabel: String
    public var series: [Series]
    public var width = 560.0
    public var height = 340.0
    /// Force y to start at 0 (accuracies, counts); the range still grows to cover the data.
    public var yFromZero = false

    public init(title: String, xLabel: String, yLabel: String, series: [Series], yFromZero: Bool = false) {
        self.title = title
        self.xLabel = xLabel
        self.yLabel = yLabel
        self.series = series
        self.yFromZero = yFromZero
    }

    static let palette = ["#1f77b4", "#d62728", "#2ca02c", "#ff7f0e", "#9467bd", "#8c564b", "#e377c2", "#7f7f7f", "#bcbd22", "#17becf"]
    // Plot area inside the canvas: room for tick labels on the left and below, the title above.
    var left: Double { 64 }
    var right: Double { width - 150 }  // the legend sits to the right
    var top: Double { 34 }
    var bottom: Double { height - 46 }

    public var xAxis: Axis { Self.axis(series.flatMap { $0.points.map(\.x) }, fromZero: false) }
    public var yAxis: Axis { Self.axis(series.flatMap { $0.points.map(\.y) }, fromZero: yFromZero) }

    /// A range with about five round ticks (1, 2 or 5 × 10^k apart) that contains every value.
    public static func axis(_ values: [Double], fromZero: Bool) -> Axis {
        var low = values.min() ?? 0, high = values.max() ?? 1
        if fromZero { low = min(low, 0) }
        if high - low < 1e-12 * max(abs(high), 1) {  // one value: open a unit-sized window around it
            let pad = max(abs(high) * 0.1, 1e-9)
            (low, high) = (low - pad, high + pad)
            if fromZero, low < 0, (values.min() ?? 0) >= 0 { low = 0 }
        }
        let raw = (high - low) / 5
        let magnitude = pow(10, floor(log10(raw)))
        let step = [1.0, 2, 5, 10].map { $0 * magnitude }.first { $0 >= raw } ?? 10 * magnitude
        let first = floor(low / step) * step, last = ceil(high / step) * step
        var ticks: [Double] = []
        var t = first
        while t <= last + step * 1e-9 {
            ticks.append(abs(t) < step * 1e-9 ? 0 : t)
            t += step
        }
        return Axis(low: first, high: last, ticks: ticks)
    }

    func px(_ x: Double, _ a: Axis) -> Double { left + (x - a.low) / (a.high - a.low) * (right - left) }
    func py(_ y: Double, _ a: Axis) -> Double { bottom - (y - a.low) / (a.high - a.low) * (bottom - top) }

    public func svg() -> String {
        let xa = xAxis, ya = yAxis
        var out = """
            <svg xmlns="http://www.w3.org/2000/svg" width="\(f(width))" height="\(f(height))" viewBox="0 0 \(f(width)) \(f(height))" \
            font-family="sans-serif" font-size="11">
            <title>\(xmlEscaped(title))</title>
            <rect x="0" y="0" width="\(f(width))" height="\(f(height))" fill="white"/>
            <text x="\(f(width / 2))" y="18" text-anchor="middle" font-size="13" font-weight="bold">\(xmlEscaped(title))</text>

            """
        for t in xa.ticks {
            let x = px(t, xa)
            out += "<line class=\"grid\" x1=\"\(f(x))\" y1=\"\(f(top))\" x2=\"\(f(x))\" y2=\"\(f(bottom))\" stroke=\"#e5e5e5\"/>\n"
            out += "<text class=\"xtick\" x=\"\(f(x))\" y=\"\(f(bottom + 15))\" text-anchor=\"middle\">\(label(t))</text>\n"
        }
        for t in ya.ticks {
            let y = py(t, ya)
            out += "<line class=\"grid\" x1=\"\(f(left))\" y1=\"\(f(y))\" x2=\"\(f(right))\" y2=\"\(f(y))\" stroke=\"#e5e5e5\"/>\n"
            out += "<text class=\"ytick\" x=\"\(f(left - 6))\" y=\"\(f(y + 4))\" text-anchor=\"end\">\(label(t))</text>\n"
        }
        out += "<rect x=\"\(f(left))\" y=\"\(f(top))\" width=\"\(f(right - left))\" height=\"\(f(bottom - top))\" fill=\"none\" stroke=\"#333\"/>\n"
        out += "<text x=\"\(f((left + right) / 2))\" y=\"\(f(height - 10))\" text-anchor=\"middle\">\(xmlEscaped(xLabel))</text>\n"
        out += "<text x=\"14\" y=\"\(f((top + bottom) / 2))\" text-anchor=\"middle\" transform=\"rotate(-90 14 \(f((top + bottom) / 2)))\">\(xmlEscaped(yLabel))</text>\n"
        for (i, s) in series.enumerated() {
            let color = Self.palette[i % Self.palette.count]
            let coordinates = s.points.map { "\(f(px($0.x, xa))),\(f(py($0.y, ya)))" }
            if s.style != .markers, coordinates.count > 1 {
                let dash = s.style == .dashed ? " stroke-dasharray=\"6 4\"" : ""
                out += "<polyline class=\"series\" data-name=\"\(xmlEscaped(s.name))\" points=\"\(coordinates.joined(separator: " "))\" fill=\"none\" stroke=\"\(color)\" stroke-width=\"2\"\(dash)/>\n"
            }
            for p in s.points {
                out += "<circle class=\"point\" cx=\"\(f(px(p.x, xa)))\" cy=\"\(f(py(p.y, ya)))\" r=\"\(s.style == .markers ? 4 : 2.5)\" fill=\"\(color)\"/>\n"
            }
            let ly = top + 8 + Double(i) * 16
            out += "<line x1=\"\(f(right + 10))\" y1=\"\(f(ly))\" x2=\"\(f(right + 30))\" y2=\"\(f(ly))\" stroke=\"\(color)\" stroke-width=\"2\"\(s.style == .dashed ? " stroke-dasharray=\"4 3\"" : "")/>\n"
            out += "<text x=\"\(f(right + 35))\" y=\"\(f(ly + 4))\">\(xmlEscaped(String(s.name.prefix(20))))</text>\n"
        }
        if series.allSatisfy({ $0.points.isEmpty }) {
            out += "<text x=\"\(f((left + right) / 2))\" y=\"\(f((top + bottom) / 2))\" text-anchor=\"middle\" fill=\"#888\">no data</text>\n"
        }
        return out + "</svg>\n"
    }

    /// Tick text: short, without float noise (0.30000000000000004 → 0.3).
    func label(_ v: Double) -> String {
        if v == v.rounded(), abs(v) < 1e9 { return String(Int(v)) }
        let text = String(format: "%.4g", v)
        return text
    }

    func f(_ v: Double) -> String { String(format: "%.1f", v) }
}

/// Text safe inside XML elements and attribute values.
func xmlEscaped(_ text: String) -> String {
    var out = ""
    for c in text {
        switch c {
        case "&": out += "&amp;"
        case "<": out += "&lt;"
        case ">": out += "&gt;"
        case "\"": out += "&quot;"
        case "'": out += "&apos;"
        default: out.append(c)
        }
    }
    return out
}
