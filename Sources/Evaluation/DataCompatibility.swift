// DataCompatibility.swift: whether a checkpoint's model can take a dataset, checked before any
// attack runs. Unchecked, a mismatch surfaces as a libtorch message from deep inside an attack
// ("weight of size [32, 1, 3, 3], expected input[8, 3, 32, 32] to have 1 channels"), as an index
// error in a loss ("index 15 is out of bounds for dimension 1 with size 10"), or not at all:
// 1-channel images fed to a 3-channel model broadcast through its normalisation and give
// meaningless accuracies.
import Attacks
import DataFormats
import Datasets
import NN
import Torch

/// Throws one line naming `file` and `dataset` unless `set` has the `channels` the model was built
/// for and every label is one of the model's classes (read off its output on one blank image).
public func checkModel(_ model: any Layer, channels: Int, named file: String, accepts set: ImageSet, dataset: String) throws {
    let advice = "use the dataset it was trained on (--dataset)"
    guard set.channels == channels else {
        throw EvaluationError("\(file) takes \(channels)-channel images but \(dataset) has \(set.channels)-channel ones; \(advice)")
    }
    let device = model.parameters().first?.device ?? .cpu
    let blank = try Tensor.zeros([1, channels, set.height, set.width], device: device)
    let classes = try model.withMode(.eval) { try withNoGrad { try model(blank) } }.shape.last ?? 0
    if let largest = set.labels.max(), largest >= classes {
        throw EvaluationError("\(file) has \(classes) classes but \(dataset) has \(set.classCount) (labels up to \(largest)); \(advice)")
    }
}
