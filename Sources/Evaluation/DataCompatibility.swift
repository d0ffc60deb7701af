// DataCompatibility.swift: whether an evaluated model can take a dataset, checked before any attack
// runs (Models' checkModel, docs/architecture.md §14), with the advice that fits evaluation.
import DataFormats
import Foundation
import Datasets
import Models
import NN
import Torch

/// Throws one line naming `file` and `dataset` unless the model takes `set`'s images (the
/// `channels` it was built for, or its first convolution's when it is TorchScript) and has a logit
/// for every class.
public func checkModel(_ model: any Layer, channels: Int?, named file: String, accepts set: TensorDataset, dataset: String) throws {
    let shape = set.imageShape
    try checkModel(
        model, channels: channels, named: file,
        takes: ModelInput(channels: shape.channels, height: shape.height, width: shape.width, classes: set.classCount, dataset: dataset),
        advice: "use the dataset it was trained on (--dataset)")
}

/// The first `count` test points of `dataset` (all for nil) on `device`, and the test split's size:
/// the test split of the tensor datasets, or an image folder's val/ images spread over its classes
/// at `imageSize`.
public func evaluationPoints(
    _ dataset: DatasetName, directory: URL, count: Int?, imageSize: Int, device: Device
) throws -> (points: TensorDataset, splitSize: Int) {
    guard dataset == .folder else {
        let set = try loadImageSet(dataset, split: .test, directory: directory)
        return (try TensorDataset(set, first: count, device: device), set.count)
    }
    let loaded = try loadFolderEvaluationSet(root: directory, split: "val", count: count, size: imageSize, device: device)
    return (loaded.dataset, loaded.splitSize)
}
