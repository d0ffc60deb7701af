// DataCompatibility.swift: whether an evaluated model can take a dataset, checked before any attack
// runs (Models' checkModel, docs/architecture.md §14), with the advice that fits evaluation.
import DataFormats
import Datasets
import Models
import NN

/// Throws one line naming `file` and `dataset` unless the model takes `set`'s images (the
/// `channels` it was built for, or its first convolution's when it is TorchScript) and has a logit
/// for every class.
public func checkModel(_ model: any Layer, channels: Int?, named file: String, accepts set: ImageSet, dataset: String) throws {
    try checkModel(
        model, channels: channels, named: file,
        takes: ModelInput(channels: set.channels, height: set.height, width: set.width, classes: set.classCount, dataset: dataset),
        advice: "use the dataset it was trained on (--dataset)")
}
