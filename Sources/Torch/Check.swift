// Check.swift: the wrappers every shim call goes through. Each turns the shim's error
// out-parameter into a thrown TorchError and takes ownership of returned handles, so no other
// file deals with dt_error or raw handles.
import CTorch

/// Calls a shim function that returns a new tensor handle, and wraps it.
@inline(__always)
func tensorCall(_ body: (UnsafeMutablePointer<dt_error>) -> OpaquePointer?) throws -> Tensor {
    Tensor(owning: try handleCall(body))
}

/// Calls a shim function that returns a new tensor handle; the caller must take ownership.
@inline(__always)
func handleCall(_ body: (UnsafeMutablePointer<dt_error>) -> OpaquePointer?) throws -> OpaquePointer {
    var err = dt_error(message: nil)
    let handle = body(&err)
    try throwIfFailed(&err)
    guard let handle else { throw TorchError("libtorch returned no tensor") }
    return handle
}

/// Calls a shim function that returns a value (or nothing) and reports failure through `err`.
@inline(__always)
func checkedCall<T>(_ body: (UnsafeMutablePointer<dt_error>) -> T) throws -> T {
    var err = dt_error(message: nil)
    let value = body(&err)
    try throwIfFailed(&err)
    return value
}

/// Calls a shim function that writes two new handles (values, indices).
@inline(__always)
func pairCall(
    _ body: (UnsafeMutablePointer<OpaquePointer?>, UnsafeMutablePointer<OpaquePointer?>, UnsafeMutablePointer<dt_error>) -> Void
) throws -> (Tensor, Tensor) {
    var err = dt_error(message: nil)
    var first: OpaquePointer?
    var second: OpaquePointer?
    body(&first, &second, &err)
    try throwIfFailed(&err)
    guard let first, let second else { throw TorchError("libtorch returned no tensor") }
    return (Tensor(owning: first), Tensor(owning: second))
}

@inline(__always)
private func throwIfFailed(_ err: inout dt_error) throws {
    guard let message = err.message else { return }
    let text = String(cString: message)
    dt_error_free(&err)
    throw TorchError(text)
}

/// Runs `body` with a C array of `Int64` made from `values`.
@inline(__always)
func withInt64s<R>(_ values: [Int], _ body: (UnsafePointer<Int64>?, Int) throws -> R) throws -> R {
    let converted = values.map(Int64.init)
    return try converted.withUnsafeBufferPointer { (buffer) throws -> R in
        try body(buffer.baseAddress, buffer.count)
    }
}

/// Runs `body` with a C array of the handles of `tensors` (kept alive for the call).
@inline(__always)
func withHandles<R>(_ tensors: [Tensor], _ body: (UnsafePointer<OpaquePointer?>?, Int) throws -> R) throws -> R {
    let handles: [OpaquePointer?] = tensors.map { $0.handle }
    defer { withExtendedLifetime(tensors) {} }
    return try handles.withUnsafeBufferPointer { (buffer) throws -> R in
        try body(buffer.baseAddress, buffer.count)
    }
}
