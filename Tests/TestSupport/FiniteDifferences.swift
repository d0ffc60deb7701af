// FiniteDifferences.swift: central-difference gradients in float64, the independent check on
// every autograd result (a gradient test must not trust the code it tests).
import Torch

/// The numerical gradient of a scalar function at `x` (float64), by central differences:
/// ∂f/∂xᵢ ≈ (f(x + h·eᵢ) − f(x − h·eᵢ)) / 2h.
public func numericalGradient(of f: (Tensor) throws -> Tensor, at x: Tensor, step h: Double = 1e-6) throws -> [Double] {
    let base = try x.doubles()
    var result = [Double](repeating: 0, count: base.count)
    for i in base.indices {
        var plus = base, minus = base
        plus[i] += h
        minus[i] -= h
        let fp = try f(Tensor(plus, shape: x.shape)).item()
        let fm = try f(Tensor(minus, shape: x.shape)).item()
        result[i] = (fp - fm) / (2 * h)
    }
    return result
}

/// The autograd gradient of a scalar function at `x`, computed through `grad(of:wrt:)`.
public func autogradGradient(of f: (Tensor) throws -> Tensor, at x: Tensor) throws -> [Double] {
    let leaf = try x.detached().requiringGrad()
    return try grad(of: f(leaf), wrt: leaf).doubles()
}
