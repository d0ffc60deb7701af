// Close.swift: the one place that decides what "numerically equal" means in deat's tests
// (mlx-swift's assertEqual, tch-rs's allclose(1e-5, 1e-8)).
import Testing
import Torch

/// |actual − expected| ≤ atol + rtol·|expected| element-wise, like `torch.allclose`.
public func isClose(_ actual: [Double], _ expected: [Double], rtol: Double = 1e-5, atol: Double = 1e-6) -> Bool {
    actual.count == expected.count
        && zip(actual, expected).allSatisfy { a, e in
            a == e || Swift.abs(a - e) <= atol + rtol * Swift.abs(e) || (a.isNaN && e.isNaN)
        }
}

/// Records a test issue naming the worst element when `actual` is not close to `expected`.
public func expectClose(
    _ actual: [Double], _ expected: [Double], rtol: Double = 1e-5, atol: Double = 1e-6,
    _ what: String = "", sourceLocation: SourceLocation = #_sourceLocation
) {
    guard actual.count == expected.count else {
        Issue.record("\(what): \(actual.count) values, expected \(expected.count)", sourceLocation: sourceLocation)
        return
    }
    if isClose(actual, expected, rtol: rtol, atol: atol) { return }
    let worst = zip(actual, expected).enumerated().max { Swift.abs($0.1.0 - $0.1.1) < Swift.abs($1.1.0 - $1.1.1) }!
    Issue.record(
        "\(what): element \(worst.offset) is \(worst.element.0), expected \(worst.element.1) (rtol \(rtol), atol \(atol))",
        sourceLocation: sourceLocation)
}

/// Compares a tensor's shape and values with expected ones.
public func expectClose(
    _ tensor: Tensor, _ expected: [Double], shape: [Int]? = nil, rtol: Double = 1e-5, atol: Double = 1e-6,
    _ what: String = "", sourceLocation: SourceLocation = #_sourceLocation
) throws {
    if let shape {
        #expect(tensor.shape == shape, "\(what): shape", sourceLocation: sourceLocation)
    }
    expectClose(try tensor.doubles(), expected, rtol: rtol, atol: atol, what, sourceLocation: sourceLocation)
}
