// Square.swift: the L∞ Square attack (Andriushchenko et al. 2019) as AutoAttack runs it,
// docs/attacks.md §9: score-based random search with forward passes only. It starts from vertical
// stripes at x ± ε and repeatedly sets a random square window to x ± ε (one sign per channel),
// keeping a change when the margin loss drops or the point becomes misclassified.
import NN
import Torch

/// The L∞ Square attack (Andriushchenko et al. 2019) as AutoAttack runs it: score-based random
/// search with forward passes only.
public struct Square: Attack {
    /// `steps` is the query budget per point (AutoAttack: 5000).
    public var budget: AttackBudget
    /// Initial fraction of pixels in the window (0.8).
    public var pInit: Double
    /// Rescale the p schedule to the query budget (class default and torchattacks: true;
    /// AutoAttack standard: false).
    public var rescaleSchedule: Bool
    /// [ref-quirk] AutoAttack draws one window and one sign vector per iteration for the whole
    /// batch, and never the last offset H − s; true reproduces that, false draws per image (the
    /// original algorithm).
    public var sharedDraws: Bool

    public init(epsilon: Double, queries: Int = 5000, pInit: Double = 0.8, restarts: Int = 1,
                rescaleSchedule: Bool = false, sharedDraws: Bool = true) {
        budget = AttackBudget(epsilon: epsilon, steps: queries, restarts: restarts)
        self.pInit = pInit
        self.rescaleSchedule = rescaleSchedule
        self.sharedDraws = sharedDraws
    }

    public var name: String { "square" }

    public var parameters: [String: String] {
        budget.parameters(norm: .linf, stepsKey: "queries", [
            "p_init": "\(pInit)", "loss": "margin", "rescale_schedule": "\(rescaleSchedule)", "shared_draws": "\(sharedDraws)",
        ])
    }

    /// The fraction p of pixels in the window at iteration `i` (0-based), §9 table.
    static func p(iteration i: Int, queries: Int, pInit: Double, rescale: Bool) -> Double {
        let it = rescale ? Int(Double(i) / Double(queries) * 10000) : i
        let divisor: Double = switch it {
        case ...10: 1
        case 11...50: 2
        case 51...200: 4
        case 201...500: 8
        case 501...1000: 16
        case 1001...2000: 32
        case 2001...4000: 64
        case 4001...6000: 128
        case 6001...8000: 256
        default: 512
        }
        return pInit / divisor
    }

    /// Side of the square window for an H×W image: max(round(√(p·H·W)), 1), at most min(H, W).
    static func side(p: Double, height: Int, width: Int) -> Int {
        min(max(Int((p * Double(height * width)).squareRoot().rounded()), 1), min(height, width))
    }

    public func perturb(model: any Layer, images: Tensor, labels: Tensor, mode: ModelMode, generator: Generator) throws -> Tensor {
        try validateBatch(images: images, labels: labels)
        guard images.rank == 4 else {
            throw AttackError.invalidBatch(what: "Square's images", expected: "[N, C, H, W]", got: "\(images.shape)")
        }
        return try withNoGrad {
            try RobustRows.attack(model: model, images: images, labels: labels, mode: mode) { points in
                try points.attackRobust(rounds: budget.restarts) { _, xs, ys, _ in
                    try attackOnce(model: model, clean: xs, labels: ys, generator: generator)
                }
            }
        }
    }

    /// Random ±1 of the given shape.
    func signs(_ shape: [Int], device: Device, generator: Generator) throws -> Tensor {
        try uniform(shape, low: 0, high: 1, device: device, generator: generator).ge(0.5).to(dtype: .float32) * 2.0 - 1.0
    }

    func attackOnce(model: any Layer, clean: Tensor, labels: Tensor, generator: Generator) throws -> (broken: Tensor, adversarial: Tensor) {
        let (n, c, h, w) = (clean.shape[0], clean.shape[1], clean.shape[2], clean.shape[3])
        let (epsilon, queries) = (budget.epsilon, budget.steps)
        let device = clean.device
        let box = try LinfBox(around: clean, epsilon: epsilon)
        let stripes = try signs([n, c, 1, w], device: device, generator: generator).to(dtype: clean.dtype)
        var best = try box.project(clean + stripes * epsilon)
        var margin = try Losses.margin(model(best), labels: labels)
        let rowIndex = try Tensor.arange(0, h, device: device).reshaped([1, 1, h, 1])
        let columnIndex = try Tensor.arange(0, w, device: device).reshaped([1, 1, 1, w])
        for i in 0..<queries {
            // Only points not yet misclassified are queried.
            let open = try indices(of: margin.gt(0.0))
            let k = open.count
            if k == 0 { break }
            let s = Self.side(p: Self.p(iteration: i, queries: queries, pInit: pInit, rescale: rescaleSchedule), height: h, width: w)
            let draws = sharedDraws ? 1 : k
            // [ref-quirk] with shared draws the offset is in [0, H − s), as AutoAttack's randint.
            let span = sharedDraws ? Double(max(h - s, 0)) : Double(h - s + 1)
            let spanW = sharedDraws ? Double(max(w - s, 0)) : Double(w - s + 1)
            let top = try (uniform([draws], low: 0, high: 1, device: device, generator: generator) * span).floor()
                .to(dtype: .int64).reshaped([-1, 1, 1, 1])
            let left = try (uniform([draws], low: 0, high: 1, device: device, generator: generator) * spanW).floor()
                .to(dtype: .int64).reshaped([-1, 1, 1, 1])
            let window = try rowIndex.ge(top).logicalAnd(rowIndex.lt(top + s))
                .logicalAnd(columnIndex.ge(left)).logicalAnd(columnIndex.lt(left + s))
            let sigma = try signs([draws, c, 1, 1], device: device, generator: generator).to(dtype: clean.dtype)
            let xs = try rows(clean, open)
            let bestOpen = try rows(best, open)
            // Inside the window the pixel goes to the vertex x ± ε of the box (§9), then into [0, 1].
            let candidate = try rows(box.lower, open).maximum(
                rows(box.upper, open).minimum(Tensor.where(window, xs + sigma * epsilon, bestOpen)))
            let m = try Losses.margin(model(candidate), labels: rows(labels, open))
            let previous = try rows(margin, open)
            let accept = try m.lt(previous).logicalOr(m.le(0.0))
            best = try puttingRows(best, open, selectRows(accept, candidate, bestOpen))
            margin = try puttingRows(margin, open, Tensor.where(accept, m, previous))
        }
        return (try margin.le(0.0), best)
    }
}
