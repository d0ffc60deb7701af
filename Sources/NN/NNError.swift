// NNError.swift: the errors NN raises itself (an invalid layer or optimiser setting, optimiser state or a checkpoint that does not fit the model).
// libtorch's own failures pass through as Torch's TorchError; the CLI prints either as one line.

/// An invalid layer or optimiser setting, optimiser state or a checkpoint that does not fit the model; `description` is one line with the context a user needs.
public struct NNError: Error, CustomStringConvertible, Sendable {
    public let description: String
    public init(_ description: String) { self.description = description }
}
