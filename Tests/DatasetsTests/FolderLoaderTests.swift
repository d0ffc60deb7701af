// FolderLoaderTests: the image-folder loader's batches (labels, transforms, order), its resume
// guarantee (same seed, epoch and batch → the same crops, whatever the worker count or restart),
// shards that decode only their own files, and bad images: one line naming the file, or skipped and
// counted with --skip-bad-images. The tree is built per test from the PNGs in
// Fixtures/image-transforms, so no second copy of images is committed.

import DataFormats
import Datasets
import Foundation
import Testing
import Torch

private let imagesFolder = Bundle.module.url(forResource: "image-transforms", withExtension: nil, subdirectory: "Fixtures")

/// A temporary split folder: class `c<k>` holds the fixture PNGs listed for it, plus `extra` files.
private func withTree<T>(_ classes: [[String]], extra: [String: [UInt8]] = [:], _ body: (URL) throws -> T) throws -> T {
    let source = try #require(imagesFolder, "Fixtures/image-transforms is missing")
    let root = FileManager.default.temporaryDirectory.appendingPathComponent("deat-folder-\(UUID().uuidString)/train")
    defer { try? FileManager.default.removeItem(at: root.deletingLastPathComponent()) }
    for (k, files) in classes.enumerated() {
        let folder = root.appendingPathComponent("c\(k)")
        try FileManager.default.createDirectory(at: folder, withIntermediateDirectories: true)
        for (i, name) in files.enumerated() {
            try FileManager.default.copyItem(at: source.appendingPathComponent(name), to: folder.appendingPathComponent("\(i)-\(name)"))
        }
    }
    for (path, bytes) in extra {
        let url = root.appendingPathComponent(path)
        try FileManager.default.createDirectory(at: url.deletingLastPathComponent(), withIntermediateDirectories: true)
        try Data(bytes).write(to: url)
    }
    return try body(root)
}

private let small = ["landscape.png", "portrait.png", "resized-crop-0.png", "resized-crop-1.png", "evaluation-8.png"]

private func bytes(_ x: Tensor) throws -> [Float] { try x.contiguous().floats() }

@Suite("Image-folder loader")
struct FolderLoaderTests {
    @Test("evaluation batches in folder order: labels from the folder, pixels as the evaluation transform, /255")
    func evaluationBatches() throws {
        try withTree([small, Array(small.prefix(3))]) { root in
            let folder = try ImageFolder.scan(root)
            let loader = try FolderLoader(folder, transform: .evaluation(size: 16), batchSize: 3, shuffle: false, workers: 2)
            #expect(loader.batchesPerEpoch == 3)
            var seen = 0
            for (x, y) in loader.epoch(0) {
                #expect(x.shape == [min(3, folder.count - seen), 3, 16, 16])
                #expect(try y.ints() == folder.labels[seen..<seen + x.shape[0]].map { $0 })
                let image = try ImageDecoder.decode(contentsOf: folder.url(at: seen))
                var want = [UInt8](repeating: 0, count: 3 * 16 * 16)
                want.withUnsafeMutableBufferPointer { ImageTransform.evaluation(size: 16).apply(to: image, draws: [], into: $0) }
                #expect(try Array(bytes(x).prefix(768)) == want.map { Float($0) / 255 })
                seen += x.shape[0]
            }
            #expect(seen == folder.count)
        }
    }

    @Test("resume exactness: batch k of epoch e has the same crops and flips from a fresh loader, with any number of workers")
    func resumeExactness() throws {
        try withTree([small, small]) { root in
            let folder = try ImageFolder.scan(root)
            func epoch(_ e: Int, workers: Int) throws -> [(x: [Float], y: [Int])] {
                let loader = try FolderLoader(folder, transform: .randomResizedCrop(size: 24), batchSize: 4, seed: 7, workers: workers)
                let batches = loader.epoch(e)
                let all = try batches.map { try (bytes($0.x), $0.y.ints()) }
                if let error = batches.error { throw error }
                return all
            }
            let first = try epoch(1, workers: 3)
            #expect(first.count == 3)
            let again = try epoch(1, workers: 0)
            #expect(first.map(\.x) == again.map(\.x), "the same crops with 0 and 3 workers")
            #expect(first.map(\.y) == again.map(\.y))
            // A run resumed at batch 2 makes just that batch, on its own.
            let loader = try FolderLoader(folder, transform: .randomResizedCrop(size: 24), batchSize: 4, seed: 7, workers: 0)
            let resumed = try loader.batch(2, epoch: 1).batch
            #expect(try bytes(resumed.x) == first[2].x)
            #expect(try epoch(2, workers: 2).map(\.x) != first.map(\.x), "another epoch, other crops")
        }
    }

    @Test("data-parallel ranks split every epoch and decode only their own files")
    func shards() throws {
        // Index order, two ranks: rank 0 reads positions 0, 2, 4, …; the damaged file is position 1.
        try withTree([Array(small.prefix(2)), Array(small.prefix(2))], extra: ["c0/0b-bad.png": [0x89, 0x50, 0x4E, 0x47]]) { root in
            let folder = try ImageFolder.scan(root)
            #expect(folder.files[1] == "c0/0b-bad.png")
            func loader(rank: Int) throws -> FolderLoader {
                try FolderLoader(folder, transform: .evaluation(size: 8), batchSize: 2, shuffle: false, workers: 1,
                                 shard: DataLoader.Shard(rank: rank, count: 2))
            }
            #expect(try loader(rank: 0).order(epoch: 0) == [0, 2, 4])
            #expect(try loader(rank: 1).order(epoch: 0) == [1, 3, 0])
            let rank0 = try loader(rank: 0).epoch(0)
            #expect(rank0.reduce(0) { $0 + $1.x.shape[0] } == 3)
            #expect(rank0.error == nil, "rank 0 never opens the damaged file")
            let rank1 = try loader(rank: 1).epoch(0)
            _ = Array(rank1)
            #expect("\(rank1.error.map { "\($0)" } ?? "no error")".contains("0b-bad.png"))
        }
    }

    @Test("a corrupt, truncated or empty image stops the epoch with one line naming it; --skip-bad-images leaves it out and counts it")
    func badImages() throws {
        let source = try #require(imagesFolder)
        let png = try [UInt8](Data(contentsOf: source.appendingPathComponent("landscape.png")))
        let bad: [String: [UInt8]] = ["c0/x-truncated.png": Array(png.prefix(png.count / 2)), "c1/y-empty.jpg": [],
                                      "c1/z-text.jpeg": Array("hello".utf8)]
        try withTree([small, small], extra: bad) { root in
            let folder = try ImageFolder.scan(root)
            let stopping = try FolderLoader(folder, transform: .evaluation(size: 8), batchSize: 4, shuffle: false, workers: 2)
            let epoch = stopping.epoch(0)
            _ = Array(epoch)
            let message = "\(epoch.error.map { "\($0)" } ?? "no error")"
            #expect(message.contains("x-truncated.png") && message.contains("truncated"), "\(message)")
            #expect(!message.contains("\n"))

            let skipping = try FolderLoader(folder, transform: .randomResizedCrop(size: 8), batchSize: 4, seed: 3, workers: 2,
                                            skipBadImages: true)
            let skipped = skipping.epoch(0)
            let images = skipped.reduce(0) { $0 + $1.x.shape[0] }
            #expect(skipped.error == nil)
            #expect(skipped.skippedImages == 3)
            #expect(images == folder.count - 3)
        }
    }
}
