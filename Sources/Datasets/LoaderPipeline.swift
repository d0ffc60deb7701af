// LoaderPipeline: the machinery behind DataLoader epochs: what one epoch reads (EpochPlan), how a batch
// is made (BatchSource), and the worker thread with its bounded queue (BatchPipeline).
//
// Tensors are not Sendable, and rightly so in general; two hand-overs here are safe anyway, and are
// the only places that say `@unchecked Sendable`:
//  - the dataset goes to the worker, which only reads it (indexSelect, slice), and libtorch allows
//    concurrent reads of a tensor; nothing in deat writes a dataset's tensors after creation;
//  - each batch is made by the worker, appended to the queue under the lock, and never touched by the
//    worker again: ownership moves to the caller whole, so no tensor is ever used by two threads.
import Foundation
import Torch

/// A value moved to another thread under one of the hand-over rules in this file's header.
struct UncheckedTransfer<Value>: @unchecked Sendable {
    let value: Value
}

/// Independent random streams of one epoch, so that changing the augmentation never changes the order.
enum RandomStream: UInt64 {
    case shuffle = 1
    case augmentation = 2
}

/// Everything one epoch needs, fixed when the epoch is created.
struct EpochPlan {
    let dataset: TensorDataset
    let epoch: Int
    let batchSize: Int
    let batchCount: Int
    let shuffle: Bool
    let augmentation: Augmentation
    let seed: UInt64
    let shard: DataLoader.Shard
    /// Images this epoch visits (this shard's).
    let count: Int

    init(loader: DataLoader, epoch: Int) {
        dataset = loader.dataset
        self.epoch = epoch
        batchSize = loader.batchSize
        batchCount = loader.batchesPerEpoch
        shuffle = loader.shuffle
        augmentation = loader.augmentation
        seed = loader.seed
        shard = loader.shard
        count = loader.imagesPerEpoch
    }

    /// The epoch's permutation of 0..<N (this shard's part of it) as int64 on the CPU, or nil for
    /// index order over the whole dataset.
    func makeOrder() throws -> Tensor? {
        try Self.order(of: dataset.count, shuffle: shuffle, seed: seed, epoch: epoch, shard: shard)
    }

    /// Epoch `epoch`'s permutation of 0..<`n` (its `shard`'s part), int64 on the CPU, or nil for
    /// index order over all `n`: the one order every loader of deat uses.
    static func order(of n: Int, shuffle: Bool, seed: UInt64, epoch: Int, shard: DataLoader.Shard) throws -> Tensor? {
        var order: Tensor?
        if shuffle {
            let generator = try Generator(seed: DataLoader.streamSeed(seed, epoch: epoch, stream: RandomStream.shuffle.rawValue))
            order = try Tensor.randperm(n, generator: generator)
        }
        guard shard.count > 1 else { return order }
        let all = try order?.ints() ?? Array(0..<n)
        let padded = all + all.prefix(shard.size(of: n) * shard.count - n)  // wrap around, as DistributedSampler pads
        return try Tensor(stride(from: shard.rank, to: padded.count, by: shard.count).map { Int64(padded[$0]) })
    }

    /// The generator of the epoch's augmentation draws, or nil when there is no augmentation.
    func makeAugmentationGenerator() throws -> Generator? {
        guard augmentation != .none else { return nil }
        // Each rank draws its own crops and flips; rank 0 draws what a single process would.
        let stream = RandomStream.augmentation.rawValue + UInt64(shard.rank) << 8
        return try Generator(seed: DataLoader.streamSeed(seed, epoch: epoch, stream: stream))
    }
}

/// Makes the batches of one epoch, in order, on whichever thread owns it.
struct BatchSource {
    let plan: EpochPlan
    let order: Tensor?  // on the dataset's device
    let generator: Generator?

    init(_ plan: EpochPlan) throws {
        self.plan = plan
        order = try plan.makeOrder()?.to(device: plan.dataset.device)
        generator = try plan.makeAugmentationGenerator()
    }

    /// Batch `index` (0-based). Call with increasing indices: augmentation draws follow that order.
    func batch(_ index: Int) throws -> DataLoader.Batch {
        let data = plan.dataset
        let range = index * plan.batchSize..<min((index + 1) * plan.batchSize, plan.count)
        var pixels: Tensor
        let labels: Tensor
        if let order {
            let indices = try order.slice(range)
            pixels = try data.images.indexSelect(dim: 0, indices: indices)
            labels = try data.labels.indexSelect(dim: 0, indices: indices)
        } else {
            pixels = try data.images.slice(range)
            labels = try data.labels.slice(range).cloned()  // a copy, never a view into the dataset
        }
        // Crop and flip only move pixels and pad with 0, so doing them on uint8 before the conversion
        // gives the same floats as on the float batch, with a quarter of the memory traffic.
        if let generator { pixels = try plan.augmentation.apply(to: pixels, generator: generator) }
        return (try TensorDataset.toUnitFloat(pixels), labels)
    }
}

/// Where a `LoaderEpoch` gets its batches: in order, nil after the last.
protocol BatchProducer: AnyObject {
    /// The next batch, nil after the last; throws the failure that ended the epoch.
    func pop() throws -> DataLoader.Batch?
    /// Stops any worker threads and waits for them (the epoch is being dropped).
    func cancelAndJoin()
    /// Images that could not be decoded and were left out (folder loaders only).
    var skippedImages: Int { get }
}

extension BatchProducer {
    var skippedImages: Int { 0 }
}

/// A tensor dataset's batches made on the caller's thread when it asks (`prefetch` 0).
final class SynchronousBatches: BatchProducer {
    private let plan: EpochPlan
    private var source: BatchSource?
    private var made = 0

    init(plan: EpochPlan) { self.plan = plan }

    func pop() throws -> DataLoader.Batch? {
        guard made < plan.batchCount else { return nil }
        // Grad mode is thread-local and on by default: batch preparation must not build a graph.
        return try withNoGrad {
            if source == nil { source = try BatchSource(plan) }
            defer { made += 1 }
            return try source!.batch(made)
        }
    }

    func cancelAndJoin() {}
}

/// One worker thread filling a queue of at most `capacity` batches, and the caller's side of it.
final class BatchPipeline: BatchProducer, @unchecked Sendable {
    // Every stored property below is guarded by `condition`'s lock (hence @unchecked Sendable).
    private let condition = NSCondition()
    private var ready: [DataLoader.Batch] = []
    private var finished = false
    private var failure: (any Error)?
    private var cancelled = false
    private var exited = false
    private let capacity: Int

    init(plan: EpochPlan, capacity: Int) {
        self.capacity = capacity
        let transfer = UncheckedTransfer(value: plan)
        let thread = Thread { [self] in
            self.produce(transfer.value)
            self.markExited()
        }
        thread.name = "deat.loader.epoch\(plan.epoch)"
        thread.start()
    }

    /// The worker: every batch of the epoch in order, unless cancelled first.
    private func produce(_ plan: EpochPlan) {
        // A serial helper: a parallel loop here would start a second OpenMP team and make the
        // training thread's team sleep at its barriers (Runtime.makeThreadSerial).
        Runtime.makeThreadSerial()
        // Grad mode is thread-local and on by default in a new thread: build no graph here.
        withNoGrad {
            do {
                let source = try BatchSource(plan)
                for index in 0..<plan.batchCount {
                    guard waitForSpace() else { return }
                    let batch = try source.batch(index)
                    push(batch)
                }
                finish(failure: nil)
            } catch {
                finish(failure: error)
            }
        }
    }

    /// Blocks while the queue is full; false when the epoch was cancelled.
    private func waitForSpace() -> Bool {
        condition.lock()
        defer { condition.unlock() }
        while ready.count >= capacity && !cancelled { condition.wait() }
        return !cancelled
    }

    private func push(_ batch: DataLoader.Batch) {
        condition.lock()
        ready.append(batch)  // hand-over: the worker drops its reference right after
        condition.broadcast()
        condition.unlock()
    }

    private func finish(failure: (any Error)?) {
        condition.lock()
        finished = true
        self.failure = failure
        condition.broadcast()
        condition.unlock()
    }

    private func markExited() {
        condition.lock()
        exited = true
        condition.broadcast()
        condition.unlock()
    }

    /// The caller's side: the next batch, nil after the last; throws the worker's failure.
    func pop() throws -> DataLoader.Batch? {
        condition.lock()
        defer { condition.unlock() }
        while ready.isEmpty && !finished { condition.wait() }
        if !ready.isEmpty {
            let batch = ready.removeFirst()
            condition.broadcast()  // room for the worker
            return batch
        }
        if let failure { throw failure }
        return nil
    }

    /// Stops the worker after the batch it is making (if any) and waits for its thread to end, so
    /// an abandoned epoch leaves no thread behind and never touches a freed tensor.
    func cancelAndJoin() {
        condition.lock()
        cancelled = true
        condition.broadcast()
        while !exited { condition.wait() }
        ready.removeAll()
        condition.unlock()
    }
}
