// TrainingError.swift: the errors Training raises itself (a run that cannot start or resume as asked: settings that differ from the checkpoint's, a missing or unreadable checkpoint, a wrong process count).
// libtorch's own failures pass through as Torch's TorchError; the CLI prints either as one line.

/// A run that cannot start or resume as asked: settings that differ from the checkpoint's, a missing or unreadable checkpoint, a wrong process count; `description` is one line with the context a user needs.
public struct TrainingError: Error, CustomStringConvertible, Sendable {
    public let description: String
    public init(_ description: String) { self.description = description }
}
