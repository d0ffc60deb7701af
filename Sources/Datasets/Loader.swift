// DataLoader: minibatches of a TensorDataset, shuffled reproducibly per epoch, optionally augmented,
// and prepared on a background thread while the caller trains, so compute never waits for data.
//
// Reproducibility: epoch e's order and augmentation depend only on (seed, e), never on earlier
// epochs or on how far an earlier epoch was iterated, so a run resumed at epoch e sees exactly the
// batches the uninterrupted run would have seen. Draws use CPU generators, so a seed gives the same
// batches on every device, with or without prefetching.
//
// Double buffering: with `prefetch` ≥ 1, each epoch starts one worker thread that prepares batches
// (gather, augmentation, uint8 → float) into a queue of at most `prefetch` batches, so when compute is
// the bottleneck the next batch is ready before it is asked for. `waitSeconds` tells how long the
// caller was blocked on data. Dropping the epoch (or leaving its loop early) stops and joins the worker.
//
//   let loader = try DataLoader(train, batchSize: 128, augmentation: .cifar, seed: 0)
//   for epoch in 0..<epochs {
//       let batches = loader.epoch(epoch)
//       for (x, y) in batches { try step(x, y) }
//       if let error = batches.error { throw error }     // or: while let (x, y) = try batches.nextBatch()
//       print(batches.waitSeconds)
//   }
//
// Sharding (data-parallel training): with `shard: .init(rank: r, count: W)` each process reads
// its share of every epoch's order, as PyTorch's DistributedSampler does: the seeded permutation
// (the same on every rank for the same seed) is padded by wrapping around to a multiple of W, and
// rank r takes positions r, r + W, r + 2W, …; every rank then has ⌈N / W⌉ images and the same number
// of batches, and together the ranks cover the dataset once (the padding repeats < W images).
import Foundation
import Torch

/// Minibatches of a `TensorDataset`: seeded shuffling per epoch, drop-last, augmentation, prefetching.
public struct DataLoader {
    /// One minibatch: images float32 in [0, 1] [B, C, H, W] and int64 labels [B], on the dataset's device.
    public typealias Batch = (x: Tensor, y: Tensor)

    public let dataset: TensorDataset
    public let batchSize: Int
    /// Whether each epoch visits the images in a seeded random order (else in index order).
    public let shuffle: Bool
    /// Whether a last batch smaller than `batchSize` is skipped.
    public let dropLast: Bool
    public let augmentation: Augmentation
    public let seed: UInt64
    /// Batches prepared ahead on a worker thread; 0 prepares each batch on the caller's thread.
    public let prefetch: Int
    /// This process's share of each epoch (data-parallel training); the whole dataset by default.
    public let shard: Shard

    /// Rank `rank` of `count` processes that split every epoch between them.
    public struct Shard: Sendable, Equatable {
        public let rank: Int
        public let count: Int
        public static let whole = Shard(uncheckedRank: 0, count: 1)

        public init(rank: Int, count: Int) throws {
            guard count >= 1, (0..<count).contains(rank) else {
                throw DataPipelineError("a data shard needs 0 ≤ rank < count, got rank \(rank) of \(count)")
            }
            self.init(uncheckedRank: rank, count: count)
        }

        private init(uncheckedRank rank: Int, count: Int) {
            self.rank = rank
            self.count = count
        }

        /// Images per rank per epoch: ⌈N / count⌉.
        func size(of n: Int) -> Int { (n + count - 1) / count }
    }

    public init(
        _ dataset: TensorDataset, batchSize: Int, shuffle: Bool = true, dropLast: Bool = false,
        augmentation: Augmentation = .none, seed: UInt64 = 0, prefetch: Int = 2, shard: Shard = .whole
    ) throws {
        guard batchSize >= 1 else { throw DataPipelineError("batch size must be at least 1, got \(batchSize)") }
        guard prefetch >= 0 else { throw DataPipelineError("prefetch must not be negative, got \(prefetch)") }
        try augmentation.validate()
        self.dataset = dataset
        self.batchSize = batchSize
        self.shuffle = shuffle
        self.dropLast = dropLast
        self.augmentation = augmentation
        self.seed = seed
        self.prefetch = prefetch
        self.shard = shard
    }

    /// Images this process visits per epoch: N, or ⌈N / W⌉ for a shard of W.
    public var imagesPerEpoch: Int { shard.size(of: dataset.count) }

    /// Batches in one epoch: ⌈N / B⌉, or ⌊N / B⌋ with `dropLast` (391 for CIFAR-10 at batch 128);
    /// N is this shard's image count.
    public var batchesPerEpoch: Int {
        dropLast ? imagesPerEpoch / batchSize : (imagesPerEpoch + batchSize - 1) / batchSize
    }

    /// The batches of epoch `epoch` (any integer; training usually counts from 0). With `prefetch`
    /// ≥ 1 the worker starts at once, so the first batch is being prepared before it is asked for.
    public func epoch(_ epoch: Int) -> LoaderEpoch {
        LoaderEpoch(plan: EpochPlan(loader: self, epoch: epoch), prefetch: prefetch)
    }

    /// The order in which epoch `epoch` visits the dataset's indices (all of this shard's, including
    /// those a dropped last batch would have held).
    public func order(epoch: Int) throws -> [Int] {
        try EpochPlan(loader: self, epoch: epoch).makeOrder()?.ints() ?? Array(0..<dataset.count)
    }

    /// The seed of random stream `stream` of `epoch`: a SplitMix64 mix of (seed, epoch, stream).
    /// libtorch's CPU generator keys its Mersenne Twister with a seed's low 32 bits only, so the mix
    /// also has to spread nearby (seed, epoch) pairs over those bits.
    static func streamSeed(_ seed: UInt64, epoch: Int, stream: UInt64) -> UInt64 {
        Generator.derivedSeed(seed, epoch, Int(truncatingIfNeeded: stream))
    }
}

/// One epoch of a `DataLoader`: iterate it once with `for (x, y) in epoch` or `nextBatch()`.
///
/// Not thread-safe itself: one caller iterates it. `next()` cannot throw, so a failure while
/// preparing a batch ends the iteration and is kept in `error`; `nextBatch()` throws it instead.
public final class LoaderEpoch: Sequence, IteratorProtocol {
    public let epoch: Int
    /// Batches this epoch yields when iterated to the end.
    public let batchCount: Int
    /// Seconds the caller spent blocked in `next()`/`nextBatch()` waiting for a batch (with
    /// `prefetch` 0: preparing it), for the "fraction of a step spent waiting on data".
    public private(set) var waitSeconds: Double = 0
    /// Batches handed out so far.
    public private(set) var delivered = 0
    /// The failure that ended the iteration early, if any.
    public private(set) var error: (any Error)?

    /// Images left out of this epoch's batches because they could not be decoded (a folder loader
    /// with `skipBadImages`); always 0 for tensors.
    public var skippedImages: Int { producer.skippedImages }

    private let producer: any BatchProducer

    convenience init(plan: EpochPlan, prefetch: Int) {
        self.init(epoch: plan.epoch, batchCount: plan.batchCount,
                  producer: prefetch > 0 ? BatchPipeline(plan: plan, capacity: prefetch) : SynchronousBatches(plan: plan))
    }

    init(epoch: Int, batchCount: Int, producer: any BatchProducer) {
        self.epoch = epoch
        self.batchCount = batchCount
        self.producer = producer
    }

    deinit {
        producer.cancelAndJoin()
    }

    /// The next batch, nil at the end of the epoch; throws what went wrong preparing it.
    public func nextBatch() throws -> DataLoader.Batch? {
        let start = DispatchTime.now().uptimeNanoseconds
        defer { waitSeconds += Double(DispatchTime.now().uptimeNanoseconds - start) / 1e9 }
        let batch = try producer.pop()
        if batch != nil { delivered += 1 }
        return batch
    }

    public func next() -> DataLoader.Batch? {
        guard error == nil else { return nil }
        do {
            return try nextBatch()
        } catch {
            self.error = error
            return nil
        }
    }

    /// `for … in` iterates this object itself: an epoch is consumed once, like a stream.
    public func makeIterator() -> LoaderEpoch { self }
}
