// AdversarialGrid.swift: the report's grid of saved adversarial examples (docs/attacks.md §10.6):
// for a few points an attack broke, the clean image, the adversarial image and the perturbation
// magnified so that ±ε spans black to white, with the true class and both predictions. Pixels are
// inline SVG rects, so the page stays one self-contained file.
//
//   let grid = try AdversarialGrid(file: URL(fileURLWithPath: "runs/m/adv.safetensors"), examples: 6)
import Foundation
import NN
import Torch

/// The report's grid of saved adversarial examples: clean image, adversarial image and the
/// perturbation magnified so ±ε spans black to white, with the true class and both predictions.
public struct AdversarialGrid {
    /// One point of the grid.
    public struct Example {
        public let index: Int
        public let label: Int
        public let prediction: Int
        public let attack: String
        /// [C][H·W] in [0, 1].
        let clean: [[Float]]
        let adversarial: [[Float]]
    }

    public let file: String
    public let epsilon: Double
    public let examples: [Example]
    let height: Int
    let width: Int

    /// Reads the first `examples` broken points of a `deat eval --save-adversarial` file.
    public init(file url: URL, examples count: Int = 6) throws {
        let saved = try Checkpoint.read(url)
        func tensor(_ name: String) throws -> Tensor {
            guard let entry = saved[name] else {
                throw ReportError("\(url.path) has no tensor \"\(name)\"; it is not a deat eval --save-adversarial file")
            }
            return try Checkpoint.tensor(entry, source: url.lastPathComponent)
        }
        let images = try tensor("images"), clean = try tensor("clean_images").to(dtype: .float32) / 255
        let labels = try tensor("labels").ints(), predictions = try tensor("predictions").ints()
        let brokenBy = try tensor("broken_by").ints(), indices = try tensor("indices").ints()
        let names = (try? JSONDecoder().decode([String].self, from: Data((saved.metadata["attacks"] ?? "[]").utf8))) ?? []
        file = url.lastPathComponent
        epsilon = Double(saved.metadata["epsilon"] ?? "") ?? 0
        let (channels, area) = (images.shape[1], images.shape[2] * images.shape[3])
        (height, width) = (images.shape[2], images.shape[3])
        func pixels(_ t: Tensor, _ i: Int) throws -> [[Float]] {
            let flat = try t.select(dim: 0, index: i).floats()
            return (0..<channels).map { Array(flat[($0 * area)..<(($0 + 1) * area)]) }
        }
        self.examples = try brokenBy.indices.filter { brokenBy[$0] >= 0 }.prefix(count).map { i in
            Example(
                index: indices[i], label: labels[i], prediction: predictions[i],
                attack: names.indices.contains(brokenBy[i]) ? names[brokenBy[i]] : "attack \(brokenBy[i])",
                clean: try pixels(clean, i), adversarial: try pixels(images, i))
        }
    }

    /// The HTML table: one row per example, three pictures each.
    public func html() -> String {
        var out = "<table>\n<tr><th>test point</th><th>clean</th><th>adversarial</th><th>δ × 1/(2ε)</th></tr>\n"
        for e in examples {
            let delta = zip(e.adversarial, e.clean).map { a, c in zip(a, c).map { Float(0.5) + ($0 - $1) / Float(2 * max(epsilon, 1e-12)) } }
            out += "<tr><td>#\(e.index): class \(e.label) → \(e.prediction)<br>broken by \(xmlEscaped(e.attack))</td>"
            out += "<td>\(svg(e.clean))</td><td>\(svg(e.adversarial))</td><td>\(svg(delta))</td></tr>\n"
        }
        return out + "</table>\n"
    }

    /// One pixel per 1×1 rect, scaled up by the viewBox; grey for one channel, RGB for three.
    func svg(_ channels: [[Float]], scale: Int = 3) -> String {
        func byte(_ v: Float) -> Int { Int((min(max(v, 0), 1) * 255).rounded()) }
        var out = "<svg xmlns=\"http://www.w3.org/2000/svg\" width=\"\(width * scale)\" height=\"\(height * scale)\" viewBox=\"0 0 \(width) \(height)\" shape-rendering=\"crispEdges\">"
        for p in 0..<(height * width) {
            let rgb = channels.count >= 3 ? (0..<3).map { byte(channels[$0][p]) } : Array(repeating: byte(channels[0][p]), count: 3)
            out += "<rect x=\"\(p % width)\" y=\"\(p / width)\" width=\"1\" height=\"1\" fill=\"#" + rgb.map { String(format: "%02x", $0) }.joined() + "\"/>"
        }
        return out + "</svg>"
    }
}
