// Tensor+InPlace.swift: the few in-place updates optimisers and attacks need. They modify the
// tensor's storage (seen through every alias) and are named for it. On a leaf that requires grad,
// call them inside `withNoGrad { }`, as PyTorch requires.
import CTorch

extension Tensor {
    /// self += alpha · other
    public func addInPlace(_ other: Tensor, alpha: some ScalarConvertible = 1) throws {
        try checkedCall { dt_add_(handle, other.handle, alpha.scalar, $0) }
    }

    /// self += value
    public func addInPlace(_ value: some ScalarConvertible) throws {
        try checkedCall { dt_add_scalar_(handle, value.scalar, $0) }
    }

    /// self *= other
    public func multiplyInPlace(_ other: Tensor) throws {
        try checkedCall { dt_mul_(handle, other.handle, $0) }
    }

    /// self *= value
    public func multiplyInPlace(_ value: some ScalarConvertible) throws {
        try checkedCall { dt_mul_scalar_(handle, value.scalar, $0) }
    }

    /// self += value · a · b
    public func addProductInPlace(_ a: Tensor, _ b: Tensor, value: some ScalarConvertible = 1) throws {
        try checkedCall { dt_addcmul_(handle, a.handle, b.handle, value.scalar, $0) }
    }

    /// self += value · a / b
    public func addQuotientInPlace(_ a: Tensor, _ b: Tensor, value: some ScalarConvertible = 1) throws {
        try checkedCall { dt_addcdiv_(handle, a.handle, b.handle, value.scalar, $0) }
    }

    /// Copies `source` (broadcast, converted) into this tensor's storage.
    public func copy(from source: Tensor) throws {
        try checkedCall { dt_copy_(handle, source.handle, $0) }
    }

    public func fill(with value: some ScalarConvertible) throws {
        try checkedCall { dt_fill_(handle, value.scalar, $0) }
    }

    public func zeroInPlace() throws {
        try checkedCall { dt_zero_(handle, $0) }
    }

    public func clampInPlace(min: Double? = nil, max: Double? = nil) throws {
        try checkedCall { dt_clamp_(handle, min != nil, (min ?? 0).scalar, max != nil, (max ?? 0).scalar, $0) }
    }

    public func clampInPlace(min: Tensor?, max: Tensor?) throws {
        try checkedCall { dt_clamp_tensor_(handle, min?.handle, max?.handle, $0) }
    }
}
