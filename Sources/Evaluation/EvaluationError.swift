// EvaluationError.swift: the errors Evaluation raises itself (a model and data that do not fit
// together, a state file from another evaluation). libtorch's own failures pass through as Torch's
// TorchError; the CLI prints either as one line.

/// A model, data or state file that does not fit the evaluation asked for; `description` is one
/// line with the context a user needs.
public struct EvaluationError: Error, CustomStringConvertible, Sendable {
    public let description: String
    public init(_ description: String) { self.description = description }
}
