// TorchError.swift: the one error type for everything that fails inside libtorch or at the
// Swift/C boundary. The message is libtorch's own (without its C++ backtrace).

/// An error raised by libtorch (wrong shapes, wrong dtypes, a missing CUDA device…) or by a
/// check in the Swift layer.
public struct TorchError: Error, CustomStringConvertible, Equatable, Sendable {
    /// libtorch's message, possibly several lines long.
    public let message: String

    public init(_ message: String) {
        self.message = message
    }

    public var description: String { message }

    /// The message folded onto one line, for terminals and logs: a command-line tool prints this
    /// and exits with a non-zero status, never a C++ trace.
    public var oneLine: String {
        message.split(whereSeparator: \.isNewline)
            .map { $0.drop(while: \.isWhitespace) }
            .filter { !$0.isEmpty }
            .joined(separator: " ")
    }
}
