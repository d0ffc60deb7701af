// ModelError.swift: the errors Models raises itself (an unknown model name, an invalid architecture, or a checkpoint whose metadata does not say which model it holds).
// libtorch's own failures pass through as Torch's TorchError; the CLI prints either as one line.

/// An unknown model name, an invalid architecture, or a checkpoint whose metadata does not say which model it holds; `description` is one line with the context a user needs.
public struct ModelError: Error, CustomStringConvertible, Sendable {
    public let description: String
    public init(_ description: String) { self.description = description }
}
