// SplitAtFirstLayer.swift: a model that can be run in two parts, its first layer and the rest, for
// YOPO (docs/methods.md §2.12), whose inner iterations propagate through the first layer only and
// whose co-state is ∂L/∂(first layer's output).
import Torch

/// A model whose forward pass is `rest(firstLayer(x))`. The built-in models (Models) conform;
/// TorchScript models do not, and a method that needs the split refuses them.
public protocol SplitAtFirstLayer: Layer {
    /// The first layer's output for images in [0, 1]: the model's own normalisation, then its first
    /// layer (the first convolution of the built-in models, before any BatchNorm or ReLU).
    func firstLayer(_ input: Tensor) throws -> Tensor
    /// Logits from the first layer's output; `callAsFunction(x)` equals `rest(firstLayer(x))`.
    func rest(_ firstLayerOutput: Tensor) throws -> Tensor
}
