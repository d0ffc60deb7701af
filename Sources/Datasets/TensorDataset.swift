// TensorDataset: an ImageSet moved into libtorch once, kept compact (uint8 pixels, int64 labels) on its
// device, and turned into float batches in [0, 1] only when a batch is asked for (a quarter of the memory).
//
// uint8 keeps CIFAR-10's 50,000 training images at 150 MB instead of 600 MB as float32, and gathering
// a batch before converting moves a quarter of the bytes. Subsets are "the first N points", the way
// RobustBench names evaluation subsets, so `--test-subset 1000` means the same images everywhere.
//
//   let train = try TensorDataset(loadImageSet(.fashionMNIST, split: .train, directory: dir))
//   let (x, y) = try train.batch(indices: [0, 5, 7])   // x: [3, 1, 28, 28] float32, y: [3] int64
//   let test1k = try TensorDataset(testSet, device: .cuda(0)).first(1000)
import DataFormats
import Torch

/// Images as one uint8 tensor [N, C, H, W] and labels as one int64 tensor [N], on one device.
///
/// Not `Sendable` (it holds tensors). The loader reads it from its worker thread, which is safe
/// because nothing in deat writes to a dataset's tensors after creation; do not apply in-place
/// ops to `images` or `labels` while a `DataLoader` epoch over them is running.
public struct TensorDataset {
    /// Pixels, uint8, [count, channels, height, width].
    public let images: Tensor
    /// Class indices, int64, [count].
    public let labels: Tensor
    /// Number of classes the labels index.
    public let classCount: Int

    /// Copies `set` (or its first `limit` images) into tensors on `device`.
    public init(_ set: ImageSet, first limit: Int? = nil, device: Device = .cpu) throws {
        let n = try Self.subsetCount(limit, of: set.count)
        // Copying only the prefix avoids staging the whole set when a small subset is wanted.
        let pixels = n == set.count ? set.images : Array(set.images[0..<n * set.imageSize])
        let labels = n == set.count ? set.labels : Array(set.labels[0..<n])
        try self.init(
            images: Tensor(pixels, shape: [n, set.channels, set.height, set.width], on: device),
            labels: Tensor(labels, on: device), classCount: set.classCount)
    }

    /// Wraps existing tensors: `images` uint8 [N, C, H, W], `labels` int64 [N], on the same device.
    public init(images: Tensor, labels: Tensor, classCount: Int) throws {
        guard images.dtype == .uint8, images.rank == 4 else {
            throw DataPipelineError("TensorDataset images must be uint8 [N, C, H, W], got \(images.dtype) \(images.shape)")
        }
        guard labels.dtype == .int64, labels.shape == [images.shape[0]] else {
            throw DataPipelineError("TensorDataset labels must be int64 [\(images.shape[0])], got \(labels.dtype) \(labels.shape)")
        }
        guard images.device == labels.device else {
            throw DataPipelineError("TensorDataset images are on \(images.device) but labels on \(labels.device)")
        }
        self.images = images
        self.labels = labels
        self.classCount = classCount
    }

    /// Number of images.
    public var count: Int { labels.shape[0] }
    /// (channels, height, width) of one image.
    public var imageShape: (channels: Int, height: Int, width: Int) {
        let s = images.shape
        return (s[1], s[2], s[3])
    }
    public var device: Device { images.device }

    /// The first `n` points (all of them when `n` ≥ `count`), sharing storage with this dataset.
    /// Deterministic by construction: RobustBench's "first N test points".
    public func first(_ n: Int) throws -> TensorDataset {
        let n = try Self.subsetCount(n, of: count)
        if n == count { return self }
        return try TensorDataset(
            images: images.narrowed(dim: 0, start: 0, length: n), labels: labels.narrowed(dim: 0, start: 0, length: n),
            classCount: classCount)
    }

    /// The images at `indices` (int64, any device) as float32 in [0, 1] and their labels, on `device`.
    public func batch(indices: Tensor) throws -> (x: Tensor, y: Tensor) {
        let onDevice = try indices.to(device: device)
        return try (Self.toUnitFloat(images.indexSelect(dim: 0, indices: onDevice)),
                    labels.indexSelect(dim: 0, indices: onDevice))
    }

    /// The images at `indices`, as `batch(indices:)`.
    public func batch(indices: [Int]) throws -> (x: Tensor, y: Tensor) {
        try batch(indices: Tensor(indices.map(Int64.init)))
    }

    /// Images `range` (consecutive, e.g. for evaluation in order) as float32 in [0, 1] and their labels.
    public func batch(_ range: Range<Int>) throws -> (x: Tensor, y: Tensor) {
        try (Self.toUnitFloat(images.slice(dim: 0, range)), labels.slice(dim: 0, range).contiguous())
    }

    /// uint8 pixels p → p / 255 as float32, as torchvision's ToTensor does (a true division, so
    /// every value equals Float(p) / 255 exactly).
    static func toUnitFloat(_ pixels: Tensor) throws -> Tensor {
        try pixels.to(dtype: .float32) / 255
    }

    static func subsetCount(_ limit: Int?, of count: Int) throws -> Int {
        guard let limit else { return count }
        guard limit >= 0 else { throw DataPipelineError("a subset size must not be negative, got \(limit)") }
        return min(limit, count)
    }
}
