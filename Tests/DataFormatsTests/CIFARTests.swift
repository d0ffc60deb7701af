// CIFAR binary and pickle readers: exact labels and pixels from each encoding, and each malformed batch rejected.

import Foundation
import Testing
@testable import DataFormats

@Suite("CIFAR readers")
struct CIFARTests {
    @Test("A CIFAR-10 binary batch gives exact labels and channel-planar pixels")
    func cifar10Binary() throws {
        let set = try CIFARBinary.read(fixture("cifar10-bin/cifar-10-batches-bin/test_batch.bin"), variant: .cifar10)
        #expect(set.count == 2 && set.channels == 3 && set.height == 32 && set.width == 32 && set.classCount == 10)
        #expect(set.labels == [7, 8])
        #expect(set.images == expectedPixels(seed: 9, count: 2, size: 3072))
        #expect(set.coarseLabels == nil)
    }

    @Test("A CIFAR-100 binary file gives fine labels by default and keeps the coarse ones")
    func cifar100Binary() throws {
        let set = try CIFARBinary.read(fixture("cifar100-bin/cifar-100-binary/train.bin"), variant: .cifar100)
        #expect(set.labels == cifar100Fine(seed: 21, count: 3))
        #expect(set.labels == [47, 58, 69])
        #expect(set.coarseLabels == [9, 11, 13])
        #expect(set.classCount == 100)
        #expect(set.withCoarseLabels()?.labels == [9, 11, 13])
        #expect(set.withCoarseLabels()?.classCount == 20)
        #expect(set.images == expectedPixels(seed: 21, count: 3, size: 3072))
    }

    @Test("Python 2 and Python 3 (protocols 2, 3, 4) pickles of a batch decode to the binary batch's contents")
    func picklesMatchBinary() throws {
        let binary = try CIFARBinary.read(fixture("cifar10-bin/cifar-10-batches-bin/test_batch.bin"), variant: .cifar10)
        let py2 = try CIFARPickle.read(fixture("cifar10-py2/cifar-10-batches-py/test_batch"), variant: .cifar10)
        let members = try Tar.extract(["cifar-10-batches-py/test_batch"], from: fixture("cifar10-tgz/cifar-10-python.tar.gz"),
                                      memberLimit: 1 << 20)
        let py3 = try CIFARPickle.parse(members["cifar-10-batches-py/test_batch"]!, variant: .cifar10)
        let p3 = try CIFARPickle.read(fixture("pickle/test_batch-protocol3"), variant: .cifar10)
        let p4 = try CIFARPickle.read(fixture("pickle/test_batch-protocol4"), variant: .cifar10)
        #expect(py2 == binary)
        #expect(py3 == binary)
        #expect(p3 == binary)
        #expect(p4 == binary)
    }

    @Test("A CIFAR binary file that is not a whole number of records is truncated, naming the file")
    func binaryTruncated() throws {
        let bytes = try fixtureBytes("cifar10-bin/cifar-10-batches-bin/test_batch.bin")
        try withTemporaryDirectory { dir in
            let url = try write(Array(bytes.dropLast()), to: dir, "test_batch.bin")
            expectDatasetError(.truncated, mentioning: "\(url.path): truncated") { _ = try CIFARBinary.read(url, variant: .cifar10) }
            let empty = try write([], to: dir, "empty.bin")
            expectDatasetError(.truncated, mentioning: "empty.bin") { _ = try CIFARBinary.read(empty, variant: .cifar10) }
        }
    }

    @Test("CIFAR labels out of range are rejected with the image index")
    func binaryLabelRange() throws {
        var bytes = try fixtureBytes("cifar10-bin/cifar-10-batches-bin/test_batch.bin")
        bytes[3073] = 10
        expectDatasetError(.labelOutOfRange, mentioning: "label 10 of image 1") {
            _ = try CIFARBinary.parse(bytes, variant: .cifar10, file: "b.bin")
        }
        var hundred = try fixtureBytes("cifar100-bin/cifar-100-binary/test.bin")
        hundred[0] = 20  // coarse label
        expectDatasetError(.labelOutOfRange, mentioning: "coarse label 20") {
            _ = try CIFARBinary.parse(hundred, variant: .cifar100, file: "c.bin")
        }
    }

    @Test("An in-test Python 2 pickle decodes exactly")
    func handWrittenPickle() throws {
        let raw = expectedPixels(seed: 5, count: 2, size: 3072)
        let set = try CIFARPickle.parse(py2CIFARPickle(shape: [2, 3072], raw: raw, labels: [4, 9]), variant: .cifar10)
        #expect(set.labels == [4, 9] && set.images == raw)
        let nchw = try CIFARPickle.parse(py2CIFARPickle(shape: [2, 3, 32, 32], raw: raw, labels: [4, 9]), variant: .cifar10)
        #expect(nchw == set)
    }

    @Test("A pickle whose data length is not N×3072 is rejected, naming the file")
    func pickleDataLength() {
        let short = py2CIFARPickle(shape: [2, 3072], raw: [UInt8](repeating: 0, count: 6000), labels: [1, 2])
        expectDatasetError(.truncated, mentioning: "data_batch_1: 'data'") {
            _ = try CIFARPickle.parse(short, variant: .cifar10, file: "data_batch_1")
        }
        let odd = py2CIFARPickle(shape: [2, 3000], raw: [UInt8](repeating: 0, count: 6000), labels: [1, 2])
        expectDatasetError(.badStructure, mentioning: "(N, 3072)") { _ = try CIFARPickle.parse(odd, variant: .cifar10) }
    }

    @Test("A pickle with the wrong structure is rejected with what is wrong")
    func pickleStructure() {
        let raw = [UInt8](repeating: 0, count: 3072)
        expectDatasetError(.countMismatch, mentioning: "has 2 entries") {
            _ = try CIFARPickle.parse(py2CIFARPickle(shape: [1, 3072], raw: raw, labels: [1, 2]), variant: .cifar10)
        }
        expectDatasetError(.labelOutOfRange, mentioning: "'labels' entry 300") {
            _ = try CIFARPickle.parse(py2CIFARPickle(shape: [1, 3072], raw: raw, labels: [300]), variant: .cifar10)
        }
        expectDatasetError(.badStructure, mentioning: "no 'labels' key") {
            _ = try CIFARPickle.parse(py2CIFARPickle(shape: [1, 3072], raw: raw, labels: [1], labelKey: "x"), variant: .cifar10)
        }
        expectDatasetError(.badStructure, mentioning: "no 'fine_labels' key") {
            _ = try CIFARPickle.parse(py2CIFARPickle(shape: [1, 3072], raw: raw, labels: [1]), variant: .cifar100)
        }
        expectDatasetError(.badStructure, mentioning: #"dtype "f8""#) {
            _ = try CIFARPickle.parse(py2CIFARPickle(shape: [1, 3072], raw: raw, labels: [1], dtype: "f8"), variant: .cifar10)
        }
        // A list where the dict should be: [] STOP.
        expectDatasetError(.badStructure, mentioning: "expected a dict") {
            _ = try CIFARPickle.parse([0x80, 0x02, 0x5d, 0x2e], variant: .cifar10)
        }
    }
}
