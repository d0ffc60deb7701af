// DataPipelineError.swift: the errors Datasets raises itself (tensors, batches, shards or augmentation settings that do not fit together (file problems are DataFormats' DatasetError)).
// libtorch's own failures pass through as Torch's TorchError; the CLI prints either as one line.

/// Tensors, batches, shards or augmentation settings that do not fit together (file problems are DataFormats' DatasetError); `description` is one line with the context a user needs.
public struct DataPipelineError: Error, CustomStringConvertible, Sendable {
    public let description: String
    public init(_ description: String) { self.description = description }
}
