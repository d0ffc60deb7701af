// ModelFit.swift: whether a model takes a dataset's images and gives one logit per class, checked
// before any training step or attack (docs/architecture.md §14). Unchecked, a mismatch surfaces as a libtorch message from deep
// inside an attack ("weight of size [32, 1, 3, 3], expected input[8, 3, 32, 32] to have 1
// channels"), as an index error in a loss, or not at all: 1-channel images fed to a 3-channel
// model broadcast through its normalisation and give meaningless accuracies. A TorchScript model
// declares nothing, so what it takes is read off its first convolution and one forward pass.
import NN
import Torch

/// The input a model is asked to take, and what its output must cover.
public struct ModelInput: Sendable {
    public var channels: Int
    public var height: Int
    public var width: Int
    /// The dataset's classes: the model must give at least this many logits (exactly this many when
    /// it is to be trained).
    public var classes: Int
    /// For messages: "fashion-mnist".
    public var dataset: String

    public init(channels: Int, height: Int, width: Int, classes: Int, dataset: String) {
        (self.channels, self.height, self.width, self.classes, self.dataset) = (channels, height, width, classes, dataset)
    }
}

/// Throws one line naming `file` and the dataset unless `model` takes `input`'s images and returns
/// logits [batch, classes]; returns the number of logits. `channels` is what a built-in model was
/// built for (its normalisation's); a TorchScript model's is its first convolution's. `training`
/// asks for exactly the dataset's classes: a 1000-way model trained on 10 classes is a mistake.
@discardableResult
public func checkModel(
    _ model: any Layer, channels: Int? = nil, named file: String, takes input: ModelInput, training: Bool = false,
    advice: String
) throws -> Int {
    let expected = channels ?? (model as? ScriptedModel)?.firstConvolutionChannels?.channels
    if let expected, expected != input.channels {
        let which = (model as? ScriptedModel)?.firstConvolutionChannels.map { " (its first convolution, \($0.name))" } ?? ""
        throw ModelError("\(file) takes \(expected)-channel images\(which) but \(input.dataset) has \(input.channels)-channel ones; \(advice)")
    }
    let device = model.parameters().first?.device ?? .cpu
    // Two images: a batch of one would hide a model that mixes the batch dimension up.
    let blank = try Tensor.zeros([2, input.channels, input.height, input.width], device: device)
    let logits = try model.withMode(.eval) { try withNoGrad { try model(blank) } }
    guard logits.rank == 2, logits.shape[0] == 2 else {
        throw ModelError("\(file) returned shape \(logits.shape) for a batch of \(blank.shape); deat needs logits [batch, classes]")
    }
    let classes = logits.shape[1]
    if classes < input.classes || (training && classes != input.classes) {
        throw ModelError(
            "\(file) has \(classes) classes but \(input.dataset) has \(input.classes); "
                + (model is ScriptedModel ? "give the model a last layer with \(input.classes) outputs before saving it" : advice))
    }
    return classes
}
