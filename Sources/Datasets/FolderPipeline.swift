// FolderPipeline: the worker threads of a FolderLoader epoch and the bounded, in-order queue between
// them and the caller (docs/datasets.md §4).
//
// Each worker claims the next batch number, makes the whole batch (decode, transform, tensor), and
// files it under its number; the caller takes batch 0, 1, 2, … in order, waiting when the next one
// is not ready yet. A worker may claim batch k only while k < delivered + capacity, so at most
// `capacity` batches exist beyond those handed out, however slow the caller is. This is PyTorch's
// DataLoader scheme (whole batches per worker, results reordered), with threads: decoding and
// resizing run in C and in Swift without a global lock.
//
// Tensors cross threads under LoaderPipeline.swift's hand-over rule: a worker makes a batch, files it
// under the lock and never touches it again.
//
// Workers hand over uint8 pixels; the float32 batch (4× the bytes) is made on the caller's thread.
// glibc serves a worker thread from a secondary arena whose heaps are at most 64 MiB, so a larger
// request there (a float batch of 128 images at 224², 77 MB) is always a fresh mmap, however the
// thresholds are set (Runtime.keepFreedMemory), and its first touch faults in every page: that was
// about 40 % of the loader's CPU (docs/benchmarks.md). The caller's arena keeps and reuses
// freed blocks. On a GPU the uint8 batch also crosses the bus at a quarter of the size.

import Foundation
import Torch

final class FolderPipeline: BatchProducer, @unchecked Sendable {
    // Every stored var below is guarded by `condition`'s lock (hence @unchecked Sendable).
    private let condition = NSCondition()
    private var ready: [Int: Result<(pixels: Tensor, labels: Tensor), any Error>] = [:]
    private var claimed = 0
    private var delivered = 0
    private var cancelled = false
    private var running = 0
    private var skipped = 0
    private let maker: FolderBatchMaker
    private let batchCount: Int
    private let capacity: Int
    private let workers: Int

    init(maker: FolderBatchMaker, batchCount: Int, workers: Int, capacity: Int) {
        self.maker = maker
        self.batchCount = batchCount
        self.workers = workers
        self.capacity = max(capacity, 1)
        running = workers
        for worker in 0..<workers {
            let thread = Thread { [self] in
                // A serial helper, so that no worker starts an OpenMP team of its own and makes the
                // training thread's team sleep at its barriers (Runtime.makeThreadSerial).
                Runtime.makeThreadSerial()
                self.work()
                self.markExited()
            }
            thread.name = "deat.folder.epoch\(maker.epoch).worker\(worker)"
            thread.start()
        }
    }

    var skippedImages: Int {
        condition.lock()
        defer { condition.unlock() }
        return skipped
    }

    /// A worker: claim, make, file, until the epoch is done or cancelled.
    private func work() {
        // Grad mode is thread-local and on by default in a new thread: build no graph here.
        withNoGrad {
            while let index = claim() {
                var skippedHere = 0
                // uint8 pixels: the float32 batch is made by the caller in `pop` (why: the header).
                let result = Result { try maker.pixelBatch(index, skipped: &skippedHere) }
                condition.lock()
                ready[index] = result
                skipped += skippedHere
                condition.broadcast()
                condition.unlock()
            }
        }
    }

    /// The next batch number to make, once there is room for it; nil when there is nothing left.
    private func claim() -> Int? {
        condition.lock()
        defer { condition.unlock() }
        while !cancelled && claimed < batchCount && claimed >= delivered + capacity { condition.wait() }
        guard !cancelled, claimed < batchCount else { return nil }
        claimed += 1
        return claimed - 1
    }

    private func markExited() {
        condition.lock()
        running -= 1
        condition.broadcast()
        condition.unlock()
    }

    func pop() throws -> DataLoader.Batch? {
        if workers == 0 { return try popSynchronously() }
        guard let (pixels, labels) = try takeNext() else { return nil }
        return (try maker.unitFloat ? TensorDataset.toUnitFloat(pixels) : pixels, labels)
    }

    /// The next batch's pixels, in order, once a worker has filed them; nil after the last.
    private func takeNext() throws -> (pixels: Tensor, labels: Tensor)? {
        condition.lock()
        defer { condition.unlock() }
        guard delivered < batchCount else { return nil }
        while ready[delivered] == nil { condition.wait() }
        let result = ready.removeValue(forKey: delivered)!
        delivered += 1
        condition.broadcast()  // room for a worker
        return try result.get()
    }

    /// No workers: the caller makes each batch when it asks for it.
    private func popSynchronously() throws -> DataLoader.Batch? {
        guard delivered < batchCount else { return nil }
        var skippedHere = 0
        defer {
            delivered += 1
            skipped += skippedHere
        }
        return try withNoGrad { try maker.batch(delivered, skipped: &skippedHere) }
    }

    /// Stops the workers after the batch each is making and waits for their threads to end.
    func cancelAndJoin() {
        condition.lock()
        cancelled = true
        condition.broadcast()
        while running > 0 { condition.wait() }
        ready.removeAll()
        condition.unlock()
    }
}
