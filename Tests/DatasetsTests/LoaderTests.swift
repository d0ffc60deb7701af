// DataLoader: reproducible per-epoch order, every index once, drop-last counts, prefetching that changes
// nothing but timing, clean abandonment of an epoch, and the real Fashion-MNIST epoch length.
import DataFormats
import Datasets
import Foundation
import Testing
import TestSupport
import Torch

@Suite("DataLoader")
struct LoaderTests {
    /// The labels of every batch of `epoch`, which for `indexedImageSet` are the images' indices.
    func labels(_ loader: DataLoader, epoch: Int) throws -> [[Int]] {
        let batches = loader.epoch(epoch)
        var out: [[Int]] = []
        while let (_, y) = try batches.nextBatch() { out.append(try y.ints()) }
        return out
    }

    @Test("the same seed gives the same shuffled order, every index once per epoch; another epoch or seed another order")
    func sameSeedSameOrderAndEveryIndexOnce() throws {
        let data = try TensorDataset(indexedImageSet(count: 50))
        let loader = try DataLoader(data, batchSize: 8, seed: 42)
        let first = try labels(loader, epoch: 0)
        #expect(first.map(\.count) == [8, 8, 8, 8, 8, 8, 2])
        #expect(first.flatMap { $0 }.sorted() == Array(0..<50))
        #expect(first.flatMap { $0 } != Array(0..<50))
        // Same (seed, epoch): same order, from a fresh loader and from order(epoch:).
        #expect(try labels(DataLoader(data, batchSize: 8, seed: 42), epoch: 0) == first)
        #expect(try loader.order(epoch: 0) == first.flatMap { $0 })
        // Another epoch or seed: another order, still a permutation.
        let second = try labels(loader, epoch: 1).flatMap { $0 }
        #expect(second != first.flatMap { $0 })
        #expect(second.sorted() == Array(0..<50))
        #expect(try loader.order(epoch: 0) != DataLoader(data, batchSize: 8, seed: 43).order(epoch: 0))
    }

    @Test("an epoch's order depends only on seed and epoch, not on the epochs read before it")
    func epochOrderDependsOnlyOnSeedAndEpoch() throws {
        // A run resumed at epoch 3 must see what an uninterrupted run sees at epoch 3.
        let data = try TensorDataset(indexedImageSet(count: 30))
        let uninterrupted = try DataLoader(data, batchSize: 7, augmentation: .cifar, seed: 9)
        for epoch in 0..<3 { _ = try labels(uninterrupted, epoch: epoch) }
        let resumed = try DataLoader(data, batchSize: 7, augmentation: .cifar, seed: 9)
        #expect(try labels(uninterrupted, epoch: 3) == labels(resumed, epoch: 3))
    }

    @Test("without shuffling every epoch is in index order")
    func unshuffledIsIndexOrder() throws {
        let loader = try DataLoader(TensorDataset(indexedImageSet(count: 10)), batchSize: 4, shuffle: false)
        #expect(try labels(loader, epoch: 5) == [[0, 1, 2, 3], [4, 5, 6, 7], [8, 9]])
        #expect(try loader.order(epoch: 5) == Array(0..<10))
    }

    @Test("batches per epoch with and without dropping the last partial batch")
    func dropLastCounts() throws {
        let data = try TensorDataset(indexedImageSet(count: 10))
        let kept = try DataLoader(data, batchSize: 4)
        #expect(kept.batchesPerEpoch == 3)
        #expect(try labels(kept, epoch: 0).map(\.count) == [4, 4, 2])
        let dropped = try DataLoader(data, batchSize: 4, dropLast: true)
        #expect(dropped.batchesPerEpoch == 2)
        #expect(try labels(dropped, epoch: 0).map(\.count) == [4, 4])
        // The reference methods' CIFAR-10 arithmetic: 391 iterations of 128 over 50,000 images.
        let cifarSized = try TensorDataset(images: Tensor.zeros([50_000, 1, 1, 1], dtype: .uint8),
                                           labels: Tensor.zeros([50_000], dtype: .int64), classCount: 10)
        #expect(try DataLoader(cifarSized, batchSize: 128).batchesPerEpoch == 391)
        #expect(try DataLoader(cifarSized, batchSize: 128, dropLast: true).batchesPerEpoch == 390)
        let tiny = try DataLoader(data, batchSize: 16, dropLast: true)
        #expect(tiny.batchesPerEpoch == 0)
        #expect(try labels(tiny, epoch: 0).isEmpty)
    }

    @Test("prefetching 0, 1 or 3 batches ahead delivers the same batches", arguments: [0, 1, 3])
    func prefetchingChangesNothingButTiming(prefetch: Int) throws {
        let set = indexedImageSet(count: 21, channels: 3, height: 5, width: 5)
        let data = try TensorDataset(set)
        let reference = try DataLoader(data, batchSize: 4, augmentation: .cropFlip(padding: 2), seed: 1, prefetch: 0)
        let loader = try DataLoader(data, batchSize: 4, augmentation: .cropFlip(padding: 2), seed: 1, prefetch: prefetch)
        let expected = reference.epoch(2), actual = loader.epoch(2)
        var count = 0
        for (x, y) in actual {
            let (ex, ey) = try #require(try expected.nextBatch())
            #expect(x.dtype == .float32 && y.dtype == .int64)
            #expect(!x.requiresGrad)
            #expect(try x.scalars(as: Float.self) == ex.scalars(as: Float.self))
            #expect(try y.ints() == ey.ints())
            count += 1
        }
        #expect(actual.error == nil)
        #expect(count == 6 && actual.delivered == 6 && actual.batchCount == 6)
        #expect(try expected.nextBatch() == nil)
        #expect(actual.waitSeconds >= 0)
    }

    @Test("augmented batch images are their own source images, mirrored or not")
    func augmentedBatchesAreCropsOfTheirImages() throws {
        // With padding 0 only flips remain, so each batch image is its source image or its mirror.
        let set = indexedImageSet(count: 12, channels: 1, height: 3, width: 4)
        let loader = try DataLoader(TensorDataset(set), batchSize: 12, augmentation: .cropFlip(padding: 0), seed: 7)
        let (x, y) = try #require(try loader.epoch(0).nextBatch())
        let pixels = try x.scalars(as: Float.self)
        var flipped = 0
        for (k, index) in try y.ints().enumerated() {
            let source = set.image(at: index).map { Float($0) / 255 }
            let mirror = (0..<3).flatMap { r in (0..<4).reversed().map { source[r * 4 + $0] } }
            let got = Array(pixels[k * 12..<(k + 1) * 12])
            #expect(got == source || got == mirror)
            if got != source { flipped += 1 }
        }
        #expect(flipped > 0 && flipped < 12)
    }

    @Test("an epoch abandoned part-way stops its prefetching worker, and later epochs still work")
    func abandoningAnEpochStopsItsWorker() throws {
        let data = try TensorDataset(indexedImageSet(count: 200, channels: 3, height: 8, width: 8))
        let loader = try DataLoader(data, batchSize: 2, augmentation: .cifar, prefetch: 2)
        for epoch in 0..<20 {
            let batches = loader.epoch(epoch)
            for _ in 0..<(epoch % 3) { _ = try batches.nextBatch() }
            // Leaving scope here: deinit cancels the worker, which may be blocked on a full queue.
        }
        do {
            for (index, _) in loader.epoch(99).enumerated() where index == 5 { break }
        }
        // A new epoch still works after the abandoned ones.
        #expect(try labels(loader, epoch: 0).count == 100)
    }

    @Test("a batch size of 0, a negative prefetch or a negative padding is an error")
    func rejectsBadSettings() throws {
        let data = try TensorDataset(indexedImageSet(count: 4))
        #expect(throws: DataPipelineError.self) { try DataLoader(data, batchSize: 0) }
        #expect(throws: DataPipelineError.self) { try DataLoader(data, batchSize: 2, prefetch: -1) }
        #expect(throws: DataPipelineError.self) { try DataLoader(data, batchSize: 2, augmentation: .cropFlip(padding: -1)) }
    }

    @Test("an epoch of the real Fashion-MNIST at batch 128 is 469 batches, the last one of 96 images",
          .enabled(if: fashionMNISTAvailable, fashionMNISTMissing))
    func fashionMNISTEpochHas469Batches() throws {
        let set = try loadImageSet(.fashionMNIST, split: .train, directory: URL(fileURLWithPath: debianFashionMNIST))
        let loader = try DataLoader(TensorDataset(set), batchSize: 128, augmentation: .defaultTraining(for: .fashionMNIST))
        #expect(loader.batchesPerEpoch == 469)
        var sizes: [Int] = [], seen = 0
        let batches = loader.epoch(0)
        while let (x, y) = try batches.nextBatch() {
            sizes.append(x.shape[0])
            #expect(x.shape.dropFirst() == [1, 28, 28] && y.shape == [x.shape[0]])
            seen += 1
        }
        #expect(seen == 469)
        #expect(sizes.last == 60_000 - 468 * 128)
    }
}
