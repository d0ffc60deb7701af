// loadImageSet: the real Debian Fashion-MNIST, every supported layout of the fixtures, and the user-facing
// errors for missing files, missing tar members and inconsistent image/label pairs.

import Foundation
import Testing
import DataFormats

private let debianFashionMNIST = "/usr/share/datasets/fashion-mnist"
private let hasDebianFashionMNIST = FileManager.default.fileExists(atPath: "\(debianFashionMNIST)/t10k-labels-idx1-ubyte.gz")

@Suite("loadImageSet")
struct LoadImageSetTests {
    @Test("The Debian Fashion-MNIST test split has 10000 1×28×28 images, first labels 9 2 1 1 6",
          .enabled(if: hasDebianFashionMNIST, "dataset-fashion-mnist is not installed"))
    func realFashionMNIST() throws {
        let directory = URL(fileURLWithPath: DatasetName.fashionMNIST.defaultDirectory!)
        let set = try loadImageSet(.fashionMNIST, split: .test, directory: directory)
        #expect(set.count == 10_000 && set.channels == 1 && set.height == 28 && set.width == 28)
        #expect(set.images.count == 7_840_000)
        #expect(Array(set.labels.prefix(10)) == [9, 2, 1, 1, 6, 1, 4, 6, 5, 7])
        #expect(set.image(at: 0).reduce(0) { $0 + Int($1) } == 33456)  // pixel sum of the first image, from Python
    }

    @Test("MNIST-style files load with and without .gz")
    func mnistFixtures() throws {
        let test = try loadImageSet(.mnist, split: .test, directory: fixture("mnist"))
        #expect(test.labels == [2, 5, 8])
        #expect(test.images == expectedPixels(seed: 32, count: 3, size: 784))
        let train = try loadImageSet(.fashionMNIST, split: .train, directory: fixture("mnist"))
        #expect(train.count == 4 && train.labels == [1, 4, 7, 0] && train.classCount == 10)
    }

    @Test("CIFAR-10 loads identically from the binary folder, loose files, the pickle folder and the tarball")
    func cifar10Layouts() throws {
        let directories = ["cifar10-bin", "cifar10-bin/cifar-10-batches-bin", "cifar10-py2", "cifar10-py2/cifar-10-batches-py",
                           "cifar10-tgz", "cifar10-tgz/cifar-10-python.tar.gz"]
        let expectedTrain: [Int64] = [3, 4, 6, 7, 9, 0, 2, 3, 5, 6]
        let trainPixels = (1...5).flatMap { expectedPixels(seed: $0, count: 2, size: 3072) }
        for directory in directories {
            let train = try loadImageSet(.cifar10, split: .train, directory: fixture(directory))
            #expect(train.labels == expectedTrain, "\(directory)")
            #expect(train.images == trainPixels, "\(directory)")
            let test = try loadImageSet(.cifar10, split: .test, directory: fixture(directory))
            #expect(test.labels == [7, 8] && test.count == 2, "\(directory)")
        }
    }

    @Test("CIFAR-100 loads the same fine and coarse labels from the binary files and the python tarball")
    func cifar100Layouts() throws {
        let binary = try loadImageSet(.cifar100, split: .test, directory: fixture("cifar100-bin"))
        let python = try loadImageSet(.cifar100, split: .test, directory: fixture("cifar100-tgz"))
        #expect(binary == python)
        #expect(binary.labels == [54, 65, 76] && binary.coarseLabels == [10, 13, 15] && binary.classCount == 100)
        #expect(try loadImageSet(.cifar100, split: .train, directory: fixture("cifar100-tgz")).labels == [47, 58, 69])
    }

    @Test("No dataset files at all gives a missing-file error with an install hint")
    func nothingThere() throws {
        try withTemporaryDirectory { dir in
            expectDatasetError(.missingFile, mentioning: "dataset-fashion-mnist, or run deat data fetch fashion-mnist DIR") {
                _ = try loadImageSet(.fashionMNIST, split: .test, directory: dir)
            }
            expectDatasetError(.missingFile, mentioning: "\(dir.path): no CIFAR-10 train data found") {
                _ = try loadImageSet(.cifar10, split: .train, directory: dir)
            }
            expectDatasetError(.missingFile, mentioning: "run deat data fetch cifar100 DIR and pass --data-dir DIR") {
                _ = try loadImageSet(.cifar100, split: .test, directory: dir.appendingPathComponent("nope"))
            }
        }
    }

    @Test("A batch missing from a found layout is named")
    func missingBatch() throws {
        try withTemporaryDirectory { dir in
            for k in [1, 2, 4, 5] {
                let name = "cifar-10-batches-bin/data_batch_\(k).bin"
                try write(fixtureBytes("cifar10-bin/" + name), to: dir, name)
            }
            expectDatasetError(.missingFile, mentioning: "cifar-10-batches-bin/data_batch_3.bin: no such file") {
                _ = try loadImageSet(.cifar10, split: .train, directory: dir)
            }
        }
    }

    @Test("A tarball without a needed member names archive:member")
    func tarballMemberMissing() throws {
        try withTemporaryDirectory { dir in
            let testBatch = try fixtureBytes("cifar10-py2/cifar-10-batches-py/test_batch")
            // Compression is detected from content, so a plain tar under the .tar.gz name is read too.
            let url = try write(tarArchive([("cifar-10-batches-py/test_batch", testBatch)]), to: dir, "cifar-10-python.tar.gz")
            #expect(try loadImageSet(.cifar10, split: .test, directory: dir).labels == [7, 8])
            expectDatasetError(.memberMissing, mentioning: "\(url.path):cifar-10-batches-py/data_batch_1") {
                _ = try loadImageSet(.cifar10, split: .train, directory: dir)
            }
        }
    }

    @Test("Image and label counts that differ are rejected, naming both files")
    func countMismatch() throws {
        try withTemporaryDirectory { dir in
            let images = try write([0, 0, 8, 3, 0, 0, 0, 2, 0, 0, 0, 1, 0, 0, 0, 1, 10, 20], to: dir, "t10k-images-idx3-ubyte")
            let labels = try write([0, 0, 8, 1, 0, 0, 0, 1, 3], to: dir, "t10k-labels-idx1-ubyte")
            let error = expectDatasetError(.countMismatch, mentioning: labels.path) {
                _ = try loadImageSet(.mnist, split: .test, directory: dir)
            }
            #expect(error?.description.contains(images.path) == true)
        }
    }

    @Test("MNIST labels out of range and a missing label file are reported")
    func mnistLabels() throws {
        try withTemporaryDirectory { dir in
            try write([0, 0, 8, 3, 0, 0, 0, 1, 0, 0, 0, 1, 0, 0, 0, 1, 10], to: dir, "t10k-images-idx3-ubyte")
            expectDatasetError(.missingFile, mentioning: "t10k-labels-idx1-ubyte") {
                _ = try loadImageSet(.mnist, split: .test, directory: dir)
            }
            let labels = try write([0, 0, 8, 1, 0, 0, 0, 1, 12], to: dir, "t10k-labels-idx1-ubyte")
            expectDatasetError(.labelOutOfRange, mentioning: "\(labels.path): label 12 of image 0") {
                _ = try loadImageSet(.mnist, split: .test, directory: dir)
            }
        }
    }

    @Test("Dataset names parse from their --dataset spelling; only Fashion-MNIST has a default folder")
    func names() {
        #expect(DatasetName(rawValue: "fashion-mnist") == .fashionMNIST)
        #expect(DatasetName.allCases.map(\.rawValue) == ["fashion-mnist", "mnist", "cifar10", "cifar100", "folder"])
        #expect(DatasetName.folder.defaultDirectory == nil)
        #expect(DatasetName.fashionMNIST.defaultDirectory == debianFashionMNIST)
        #expect(DatasetName.cifar10.defaultDirectory == nil)
        #expect(DatasetName.cifar100.classCount == 100 && DatasetName.cifar10.imageShape == (3, 32, 32))
    }
}
