// Sequential.swift: layers applied in order; children are named "0", "1", … as in nn.Sequential.
import Torch

/// Layers applied in order; its children are named "0", "1", … as in `nn.Sequential`.
public final class Sequential: Layer {
    public let layers: [any Layer]
    public var training = true

    public init(_ layers: [any Layer]) {
        self.layers = layers
    }

    public var children: [(name: String, module: any Module)] {
        layers.enumerated().map { (String($0.offset), $0.element as any Module) }
    }

    public func callAsFunction(_ input: Tensor) throws -> Tensor {
        try layers.reduce(input) { x, layer in try layer(x) }
    }
}
