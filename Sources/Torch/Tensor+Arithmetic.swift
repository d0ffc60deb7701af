// Tensor+Arithmetic.swift: operators and element-wise math, reading like the formulas they
// implement: `try (x - mean) / std`. Broadcasting and type promotion are libtorch's (PyTorch's).
import CTorch

extension Tensor {
    // MARK: Operators: tensor ∘ tensor, tensor ∘ scalar, scalar ∘ tensor

    public static func + (lhs: Tensor, rhs: Tensor) throws -> Tensor { try tensorCall { dt_add(lhs.handle, rhs.handle, $0) } }
    public static func - (lhs: Tensor, rhs: Tensor) throws -> Tensor { try tensorCall { dt_sub(lhs.handle, rhs.handle, $0) } }
    public static func * (lhs: Tensor, rhs: Tensor) throws -> Tensor { try tensorCall { dt_mul(lhs.handle, rhs.handle, $0) } }
    public static func / (lhs: Tensor, rhs: Tensor) throws -> Tensor { try tensorCall { dt_div(lhs.handle, rhs.handle, $0) } }

    public static func + (lhs: Tensor, rhs: some ScalarConvertible) throws -> Tensor {
        try tensorCall { dt_add_scalar(lhs.handle, rhs.scalar, $0) }
    }
    public static func - (lhs: Tensor, rhs: some ScalarConvertible) throws -> Tensor {
        try tensorCall { dt_sub_scalar(lhs.handle, rhs.scalar, $0) }
    }
    public static func * (lhs: Tensor, rhs: some ScalarConvertible) throws -> Tensor {
        try tensorCall { dt_mul_scalar(lhs.handle, rhs.scalar, $0) }
    }
    public static func / (lhs: Tensor, rhs: some ScalarConvertible) throws -> Tensor {
        try tensorCall { dt_div_scalar(lhs.handle, rhs.scalar, $0) }
    }
    public static func + (lhs: some ScalarConvertible, rhs: Tensor) throws -> Tensor {
        try tensorCall { dt_add_scalar(rhs.handle, lhs.scalar, $0) }
    }
    public static func - (lhs: some ScalarConvertible, rhs: Tensor) throws -> Tensor {
        try tensorCall { dt_rsub_scalar(rhs.handle, lhs.scalar, $0) }
    }
    public static func * (lhs: some ScalarConvertible, rhs: Tensor) throws -> Tensor {
        try tensorCall { dt_mul_scalar(rhs.handle, lhs.scalar, $0) }
    }
    public static func / (lhs: some ScalarConvertible, rhs: Tensor) throws -> Tensor {
        try tensorCall { dt_rdiv_scalar(rhs.handle, lhs.scalar, $0) }
    }

    public static prefix func - (operand: Tensor) throws -> Tensor { try tensorCall { dt_neg(operand.handle, $0) } }

    // MARK: Powers and other binary math

    public func pow(_ exponent: Tensor) throws -> Tensor { try tensorCall { dt_pow(handle, exponent.handle, $0) } }
    public func pow(_ exponent: some ScalarConvertible) throws -> Tensor {
        try tensorCall { dt_pow_scalar(handle, exponent.scalar, $0) }
    }
    /// Python-style remainder (sign of the divisor).
    public func remainder(_ divisor: some ScalarConvertible) throws -> Tensor {
        try tensorCall { dt_remainder_scalar(handle, divisor.scalar, $0) }
    }
    /// Element-wise maximum of two tensors (`torch.maximum`).
    public func maximum(_ other: Tensor) throws -> Tensor { try tensorCall { dt_maximum(handle, other.handle, $0) } }
    /// Element-wise minimum of two tensors (`torch.minimum`).
    public func minimum(_ other: Tensor) throws -> Tensor { try tensorCall { dt_minimum(handle, other.handle, $0) } }

    // MARK: Unary math

    public func abs() throws -> Tensor { try tensorCall { dt_abs(handle, $0) } }
    public func exp() throws -> Tensor { try tensorCall { dt_exp(handle, $0) } }
    public func log() throws -> Tensor { try tensorCall { dt_log(handle, $0) } }
    public func log1p() throws -> Tensor { try tensorCall { dt_log1p(handle, $0) } }
    public func sqrt() throws -> Tensor { try tensorCall { dt_sqrt(handle, $0) } }
    public func rsqrt() throws -> Tensor { try tensorCall { dt_rsqrt(handle, $0) } }
    public func reciprocal() throws -> Tensor { try tensorCall { dt_reciprocal(handle, $0) } }
    public func squared() throws -> Tensor { try tensorCall { dt_square(handle, $0) } }
    /// −1, 0 or 1 element-wise (sign(0) = 0, as FGSM/PGD expect).
    public func sign() throws -> Tensor { try tensorCall { dt_sign(handle, $0) } }
    public func floor() throws -> Tensor { try tensorCall { dt_floor(handle, $0) } }
    public func ceil() throws -> Tensor { try tensorCall { dt_ceil(handle, $0) } }
    /// Rounds half to even, like `torch.round`.
    public func rounded() throws -> Tensor { try tensorCall { dt_round(handle, $0) } }
    public func sin() throws -> Tensor { try tensorCall { dt_sin(handle, $0) } }
    public func cos() throws -> Tensor { try tensorCall { dt_cos(handle, $0) } }
    public func sigmoid() throws -> Tensor { try tensorCall { dt_sigmoid(handle, $0) } }
    public func tanh() throws -> Tensor { try tensorCall { dt_tanh(handle, $0) } }
    public func isNaN() throws -> Tensor { try tensorCall { dt_isnan(handle, $0) } }
    public func isFinite() throws -> Tensor { try tensorCall { dt_isfinite(handle, $0) } }

    // MARK: Comparisons and logic (results are bool tensors)

    public func eq(_ other: Tensor) throws -> Tensor { try tensorCall { dt_eq(handle, other.handle, $0) } }
    public func ne(_ other: Tensor) throws -> Tensor { try tensorCall { dt_ne(handle, other.handle, $0) } }
    public func lt(_ other: Tensor) throws -> Tensor { try tensorCall { dt_lt(handle, other.handle, $0) } }
    public func le(_ other: Tensor) throws -> Tensor { try tensorCall { dt_le(handle, other.handle, $0) } }
    public func gt(_ other: Tensor) throws -> Tensor { try tensorCall { dt_gt(handle, other.handle, $0) } }
    public func ge(_ other: Tensor) throws -> Tensor { try tensorCall { dt_ge(handle, other.handle, $0) } }
    public func eq(_ value: some ScalarConvertible) throws -> Tensor { try tensorCall { dt_eq_scalar(handle, value.scalar, $0) } }
    public func ne(_ value: some ScalarConvertible) throws -> Tensor { try tensorCall { dt_ne_scalar(handle, value.scalar, $0) } }
    public func lt(_ value: some ScalarConvertible) throws -> Tensor { try tensorCall { dt_lt_scalar(handle, value.scalar, $0) } }
    public func le(_ value: some ScalarConvertible) throws -> Tensor { try tensorCall { dt_le_scalar(handle, value.scalar, $0) } }
    public func gt(_ value: some ScalarConvertible) throws -> Tensor { try tensorCall { dt_gt_scalar(handle, value.scalar, $0) } }
    public func ge(_ value: some ScalarConvertible) throws -> Tensor { try tensorCall { dt_ge_scalar(handle, value.scalar, $0) } }
    public func logicalAnd(_ other: Tensor) throws -> Tensor { try tensorCall { dt_logical_and(handle, other.handle, $0) } }
    public func logicalOr(_ other: Tensor) throws -> Tensor { try tensorCall { dt_logical_or(handle, other.handle, $0) } }
    public func logicalNot() throws -> Tensor { try tensorCall { dt_logical_not(handle, $0) } }

    // MARK: Clamping and selection

    /// Clamps to [min, max]; either bound may be omitted.
    public func clamped(min: Double? = nil, max: Double? = nil) throws -> Tensor {
        try tensorCall { dt_clamp(handle, min != nil, (min ?? 0).scalar, max != nil, (max ?? 0).scalar, $0) }
    }

    /// Clamps element-wise between tensor bounds (broadcast), e.g. the box [−x, 1−x] of an attack.
    public func clamped(min: Tensor?, max: Tensor?) throws -> Tensor {
        try tensorCall { dt_clamp_tensor(handle, min?.handle, max?.handle, $0) }
    }

    /// The signed-gradient step of L∞ attacks and adversarial training, in one pass over memory:
    /// `clamp(clamp(self + step·sign(gradient), −ε, ε), low, high)`, each clamp only when given.
    /// Equal to those five ops composed (CTorch's fused.cpp; a zero's sign aside); libtorch's
    /// composed ops where the loop does not apply (CUDA, other dtypes, non-contiguous layouts).
    public func signStep(
        _ gradient: Tensor, stepSize: Double, epsilon: Double? = nil, low: Tensor? = nil, high: Tensor? = nil
    ) throws -> Tensor {
        try tensorCall { dt_sign_step(handle, gradient.handle, stepSize, epsilon != nil, epsilon ?? 0, low?.handle, high?.handle, $0) }
    }

    /// APGD's L∞ momentum step (docs/attacks.md §6) in one pass over memory, from `self` (the current
    /// iterate c) and the previous iterate p: with z = clamp(c + sign(gradient)·η, low, high),
    /// `clamp(c + (z − c)·a + (c − p)·(1 − a), low, high)`, where `eta` holds one step size per row.
    /// Equal to those twelve ops composed (CTorch's fused.cpp), which run where the loop does not
    /// apply (CUDA, other dtypes, non-contiguous layouts).
    public func apgdStep(previous: Tensor, gradient: Tensor, eta: Tensor, a: Double, low: Tensor, high: Tensor) throws -> Tensor {
        try tensorCall { dt_apgd_step(handle, previous.handle, gradient.handle, eta.handle, a, low.handle, high.handle, $0) }
    }

    /// `condition ? a : b` element-wise (`torch.where`).
    public static func `where`(_ condition: Tensor, _ a: Tensor, _ b: Tensor) throws -> Tensor {
        try tensorCall { dt_where(condition.handle, a.handle, b.handle, $0) }
    }
}
