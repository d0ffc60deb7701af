// ReportError.swift: the errors Reports raises itself (a run directory or checkpoint list that cannot be reported or analysed).
// libtorch's own failures pass through as Torch's TorchError; the CLI prints either as one line.

/// A run directory or checkpoint list that cannot be reported or analysed; `description` is one line with the context a user needs.
public struct ReportError: Error, CustomStringConvertible, Sendable {
    public let description: String
    public init(_ description: String) { self.description = description }
}
