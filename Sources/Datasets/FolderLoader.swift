// FolderLoader: minibatches of an image folder (docs/datasets.md §4), decoded and transformed by a
// pool of worker threads while the caller trains, with the order, sharding and resume guarantees
// of DataLoader (Loader.swift), which it shares.
//
// Order and shards: the same seeded permutation per epoch as DataLoader (EpochPlan.order), so a
// data-parallel rank r decodes only the files of its shard, positions r, r + W, … of the epoch.
// Random draws: batch k of epoch e takes its uniforms from a generator seeded with
// (seed, e, stream, k) alone (ImageTransforms.swift says which uniform does what), so a batch's
// crops and flips do not depend on which thread made it, on how many workers there are, or on
// where a killed run resumed.
// Memory: decoded images are never kept; at most `workers + prefetch` batches exist at once
// (being made or waiting), and one decoded image per worker.
//
//   let train = try ImageFolder.load(URL(fileURLWithPath: "data/train"), cache: nil)
//   let loader = try FolderLoader(train, transform: .randomResizedCrop(size: 224), batchSize: 256, seed: 0, workers: 8)
//   for (x, y) in loader.epoch(0) { … }   // x: float32 [256, 3, 224, 224] in [0, 1], y: int64 [256]

import DataFormats
import Foundation
import Torch

/// What the trainer needs of a loader: its epochs and their sizes.
public protocol EpochLoader {
    /// Batches in one epoch (this process's).
    var batchesPerEpoch: Int { get }
    /// Images this process visits per epoch.
    var imagesPerEpoch: Int { get }
    /// The batches of epoch `epoch`.
    func epoch(_ epoch: Int) -> LoaderEpoch
}

extension DataLoader: EpochLoader {}

/// Minibatches of an `ImageFolder`: decoded (JPEG, PNG), transformed, shuffled per epoch, sharded.
public struct FolderLoader: EpochLoader, Sendable {
    public let folder: ImageFolder
    public let transform: ImageTransform
    public let batchSize: Int
    public let shuffle: Bool
    public let dropLast: Bool
    public let seed: UInt64
    /// Threads that decode and transform; 0 makes each batch on the caller's thread.
    public let workers: Int
    /// Batches made ahead beyond one per worker.
    public let prefetch: Int
    public let shard: DataLoader.Shard
    /// Leave out (and count) images that cannot be decoded, instead of stopping.
    public let skipBadImages: Bool
    /// Where the batches go.
    public let device: Device
    /// Images with more pixels are refused as bad (PIL's decompression-bomb limit by default).
    public let maxPixels: Int

    public init(
        _ folder: ImageFolder, transform: ImageTransform, batchSize: Int, shuffle: Bool = true, dropLast: Bool = false,
        seed: UInt64 = 0, workers: Int = ProcessInfo.processInfo.activeProcessorCount, prefetch: Int = 2,
        shard: DataLoader.Shard = .whole, skipBadImages: Bool = false, device: Device = .cpu,
        maxPixels: Int = ImageDecoder.defaultMaxPixels
    ) throws {
        guard batchSize >= 1 else { throw DataPipelineError("batch size must be at least 1, got \(batchSize)") }
        guard workers >= 0 else { throw DataPipelineError("loader workers must not be negative, got \(workers)") }
        guard prefetch >= 0 else { throw DataPipelineError("prefetch must not be negative, got \(prefetch)") }
        try transform.validate()
        self.folder = folder
        self.transform = transform
        self.batchSize = batchSize
        self.shuffle = shuffle
        self.dropLast = dropLast
        self.seed = seed
        self.workers = workers
        self.prefetch = prefetch
        self.shard = shard
        self.skipBadImages = skipBadImages
        self.device = device
        self.maxPixels = maxPixels
    }

    public var imagesPerEpoch: Int { shard.size(of: folder.count) }

    public var batchesPerEpoch: Int {
        dropLast ? imagesPerEpoch / batchSize : (imagesPerEpoch + batchSize - 1) / batchSize
    }

    /// The folder indices epoch `epoch` visits, in order (this shard's).
    public func order(epoch: Int) throws -> [Int] {
        try EpochPlan.order(of: folder.count, shuffle: shuffle, seed: seed, epoch: epoch, shard: shard)?.ints()
            ?? Array(0..<folder.count)
    }

    public func epoch(_ epoch: Int) -> LoaderEpoch {
        do {
            let maker = FolderBatchMaker(loader: self, epoch: epoch, order: try order(epoch: epoch))
            return LoaderEpoch(epoch: epoch, batchCount: batchesPerEpoch,
                               producer: FolderPipeline(maker: maker, batchCount: batchesPerEpoch, workers: workers, capacity: workers + prefetch))
        } catch {
            return LoaderEpoch(epoch: epoch, batchCount: batchesPerEpoch, producer: FailedEpoch(error: error))
        }
    }

    /// Every image of epoch 0 (in folder order without `shuffle`) transformed and kept as uint8 in
    /// one TensorDataset: for a validation subset, never a whole large folder. Decoded by `workers`
    /// threads (at least one); the number of images skipped as bad comes with it.
    public func tensorDataset() throws -> (dataset: TensorDataset, skipped: Int) {
        let maker = FolderBatchMaker(loader: self, epoch: 0, order: try order(epoch: 0), unitFloat: false)
        let epoch = LoaderEpoch(epoch: 0, batchCount: batchesPerEpoch,
                                producer: FolderPipeline(maker: maker, batchCount: batchesPerEpoch, workers: max(workers, 1), capacity: max(workers, 1) + prefetch))
        var pixels: [Tensor] = []
        var labels: [Tensor] = []
        while let (x, y) = try epoch.nextBatch() {
            pixels.append(x)
            labels.append(y)
        }
        guard !pixels.isEmpty else { throw DataPipelineError("the image folder \(folder.root) has no images to load") }
        let dataset = try TensorDataset(images: Tensor.cat(pixels, dim: 0), labels: Tensor.cat(labels, dim: 0), classCount: folder.classes.count)
        return (dataset, epoch.skippedImages)
    }

    /// Batch `index` of epoch `epoch`, made on the caller's thread (tests, and the benchmark's check).
    public func batch(_ index: Int, epoch: Int) throws -> (batch: DataLoader.Batch, skipped: Int) {
        let maker = FolderBatchMaker(loader: self, epoch: epoch, order: try order(epoch: epoch))
        var skipped = 0
        let batch = try withNoGrad { try maker.batch(index, skipped: &skipped) }
        return (batch, skipped)
    }
}

/// Makes batch k of one epoch from its files, on whichever thread calls it.
struct FolderBatchMaker: Sendable {
    let loader: FolderLoader
    let epoch: Int
    /// This shard's folder indices for the epoch.
    let order: [Int]
    /// Whether batches are float32 in [0, 1] (training) or the uint8 pixels (a TensorDataset's).
    let unitFloat: Bool

    init(loader: FolderLoader, epoch: Int, order: [Int], unitFloat: Bool = true) {
        self.loader = loader
        self.epoch = epoch
        self.order = order
        self.unitFloat = unitFloat
    }

    /// The uniforms of batch `index`: `transform.drawCount` per image slot, from (seed, epoch, stream, batch).
    func draws(batch index: Int, images: Int) throws -> [Double] {
        let perImage = loader.transform.drawCount
        guard perImage > 0 else { return [] }
        // Each rank draws its own crops; rank 0 draws what a single process would.
        let stream = Int(RandomStream.augmentation.rawValue + UInt64(loader.shard.rank) << 8)
        let generator = try Generator(seed: Generator.derivedSeed(loader.seed, epoch, stream, index))
        return try Tensor.uniform([images * perImage], low: 0, high: 1, dtype: .float64, device: .cpu, generator: generator).doubles()
    }

    /// Batch `index`: images float32 [n, 3, S, S] in [0, 1] (uint8 without `unitFloat`) and int64 labels [n] on the loader's
    /// device; n is the batch size less the images skipped as bad (added to `skipped`).
    func batch(_ index: Int, skipped: inout Int) throws -> DataLoader.Batch {
        let (pixels, labels) = try pixelBatch(index, skipped: &skipped)
        return (unitFloat ? try TensorDataset.toUnitFloat(pixels) : pixels, labels)
    }

    /// Batch `index` as uint8 pixels [n, 3, S, S] and int64 labels [n] on the loader's device.
    func pixelBatch(_ index: Int, skipped: inout Int) throws -> (pixels: Tensor, labels: Tensor) {
        let size = loader.transform.size
        let imageBytes = 3 * size * size
        let positions = index * loader.batchSize..<min((index + 1) * loader.batchSize, order.count)
        let perImage = loader.transform.drawCount
        let draws = try self.draws(batch: index, images: positions.count)
        var pixels = [UInt8](repeating: 0, count: positions.count * imageBytes)
        var labels: [Int64] = []
        labels.reserveCapacity(positions.count)
        for (slot, position) in positions.enumerated() {
            let file = order[position]
            let image: RGBImage
            do {
                image = try ImageDecoder.decode(contentsOf: loader.folder.url(at: file), maxPixels: loader.maxPixels)
            } catch let error as DatasetError {
                guard loader.skipBadImages else { throw error }
                skipped += 1
                continue
            }
            // A skipped image leaves its slot's draws unused: the others keep theirs.
            let mine = draws[min(slot * perImage, draws.count)..<min((slot + 1) * perImage, draws.count)]
            let offset = labels.count * imageBytes
            pixels.withUnsafeMutableBufferPointer {
                loader.transform.apply(to: image, draws: mine, into: UnsafeMutableBufferPointer(rebasing: $0[offset..<offset + imageBytes]))
            }
            labels.append(Int64(loader.folder.labels[file]))
        }
        guard !labels.isEmpty else {
            throw DataPipelineError("no image of batch \(index + 1) of epoch \(epoch + 1) could be decoded (\(positions.count) skipped as bad)")
        }
        if labels.count < positions.count { pixels.removeLast((positions.count - labels.count) * imageBytes) }
        let x = try Tensor(pixels, shape: [labels.count, 3, size, size]).to(device: loader.device)
        return (x, try Tensor(labels, on: loader.device))
    }
}

/// An epoch that could not start (its order could not be drawn): throws that on the first batch.
final class FailedEpoch: BatchProducer {
    private let error: any Error
    init(error: any Error) { self.error = error }
    func pop() throws -> DataLoader.Batch? { throw error }
    func cancelAndJoin() {}
}
