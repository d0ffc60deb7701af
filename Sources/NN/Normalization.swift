// Normalization.swift: per-channel mean/std presets (docs/methods.md §4.3, §8). A model
// applies them inside its forward pass and records them in checkpoint metadata.

/// Per-channel mean and standard deviation of a dataset's training images in [0, 1].
public struct Normalization: Sendable, Equatable {
    public let mean: [Float]
    public let std: [Float]

    public init(mean: [Float], std: [Float]) {
        self.mean = mean
        self.std = std
    }

    public static let fashionMNIST = Normalization(mean: [0.2860], std: [0.3530])
    public static let cifar10 = Normalization(mean: [0.4914, 0.4822, 0.4465], std: [0.2471, 0.2435, 0.2616])
    public static let cifar100 = Normalization(mean: [0.507, 0.487, 0.441], std: [0.267, 0.256, 0.276])
    /// The identity: TRADES/MART models take raw [0, 1] input.
    public static func identity(channels: Int) -> Normalization {
        Normalization(mean: Array(repeating: 0, count: channels), std: Array(repeating: 1, count: channels))
    }
}
