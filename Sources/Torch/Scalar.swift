// Scalar.swift: numbers passed to tensor ops. The kind (int, float, bool) crosses into libtorch so
// that type promotion matches PyTorch: `int64Tensor + 1` stays int64, `int64Tensor + 0.5` is float.
import CTorch

/// A Swift number usable as a scalar operand of a tensor op.
public protocol ScalarConvertible {
    var scalar: dt_scalar { get }
}

extension Double: ScalarConvertible {
    public var scalar: dt_scalar { dt_scalar(f: self, i: 0, kind: 0) }
}

extension Float: ScalarConvertible {
    public var scalar: dt_scalar { dt_scalar(f: Double(self), i: 0, kind: 0) }
}

extension Int: ScalarConvertible {
    public var scalar: dt_scalar { dt_scalar(f: 0, i: Int64(self), kind: 1) }
}

extension Int64: ScalarConvertible {
    public var scalar: dt_scalar { dt_scalar(f: 0, i: self, kind: 1) }
}

extension Bool: ScalarConvertible {
    public var scalar: dt_scalar { dt_scalar(f: 0, i: self ? 1 : 0, kind: 2) }
}
