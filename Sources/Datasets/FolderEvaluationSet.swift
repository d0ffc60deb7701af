// FolderEvaluationSet.swift: the images of an image folder's split that a command evaluates on,
// decoded once with the evaluation transform (Resize + CenterCrop, docs/datasets.md §3) into a
// TensorDataset of uint8 images, as the other datasets' test sets are. Training validates on it,
// `deat eval` attacks it and `deat bench paper` evaluates every method on it. `count` images are
// spread over the classes (the list is sorted by class, so its first images would be one class).
import DataFormats
import Foundation
import Torch

/// `root/split`'s first `count` images spread over its classes (all of them for nil), `size`×`size`.
/// The file list is cached in `cache` when given. Returns the set and the images skipped as bad
/// (only with `skipBadImages`; otherwise a bad image stops with its name), and the split's size.
public func loadFolderEvaluationSet(
    root: URL, split: String, count: Int?, size: Int, device: Device, cache: URL? = nil, writeCache: Bool = true,
    skipBadImages: Bool = false
) throws -> (dataset: TensorDataset, skipped: Int, splitSize: Int) {
    let folder = try ImageFolder.load(root.appendingPathComponent(split), cache: cache, writeCache: writeCache)
    let picked = count.map { folder.spread($0) } ?? folder
    guard picked.count > 0 else {
        let empty = try TensorDataset(
            images: Tensor.zeros([0, 3, size, size], dtype: .uint8, device: device), labels: Tensor.zeros([0], dtype: .int64, device: device),
            classCount: folder.classes.count)
        return (empty, 0, folder.count)
    }
    let loader = try FolderLoader(
        picked, transform: .evaluation(size: size), batchSize: 64, shuffle: false, skipBadImages: skipBadImages, device: device)
    let (dataset, skipped) = try loader.tensorDataset()
    return (dataset, skipped, folder.count)
}
