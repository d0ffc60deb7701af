// DatasetNormalization.swift: which per-channel mean/std a model trained on each dataset uses
// (docs/methods.md §4.3, §8). Lives in Training, the lowest layer that knows both datasets and
// models, so `deat train` and `deat bench paper` build models the same way.
import DataFormats
import Datasets
import Models
import NN

extension Normalization {
    /// torchvision's ImageNet statistics, the usual choice for image folders.
    public static let imageNet = Normalization(mean: [0.485, 0.456, 0.406], std: [0.229, 0.224, 0.225])

    /// The normalisation deat puts inside a model trained on `dataset`.
    public static func forDataset(_ dataset: DatasetName) -> Normalization {
        switch dataset {
        case .fashionMNIST: .fashionMNIST
        case .mnist: Normalization(mean: [0.1307], std: [0.3081])
        case .cifar10: .cifar10
        case .cifar100: .cifar100
        case .folder: .imageNet
        }
    }
}
