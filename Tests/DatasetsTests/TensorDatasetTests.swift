// TensorDataset: uint8/int64 storage, "first N" subsets, and batches as exact pixel/255 floats.
import DataFormats
import Datasets
import Testing
import Torch

/// A small synthetic set whose label is the image's index (so batches reveal their indices) and
/// whose pixels follow a formula: image i, byte k = (7·i + 3·k) mod 256.
func indexedImageSet(count: Int, channels: Int = 1, height: Int = 4, width: Int = 4) -> ImageSet {
    let size = channels * height * width
    let images = (0..<count).flatMap { i in (0..<size).map { k in UInt8((7 * i + 3 * k) % 256) } }
    return ImageSet(images: images, labels: (0..<count).map(Int64.init), channels: channels, height: height,
                    width: width, classCount: max(count, 1))
}

@Suite("TensorDataset")
struct TensorDatasetTests {
    @Test("pixels are kept as uint8 and labels as int64, on the CPU")
    func keepsPixelsAsUInt8AndLabelsAsInt64() throws {
        let data = try TensorDataset(indexedImageSet(count: 6, channels: 3, height: 2, width: 5))
        #expect(data.images.dtype == .uint8)
        #expect(data.images.shape == [6, 3, 2, 5])
        #expect(data.labels.dtype == .int64)
        #expect(data.count == 6)
        #expect(data.imageShape == (3, 2, 5))
        #expect(data.device == .cpu)
    }

    @Test("batch values are exactly pixel / 255 as float32, for every byte value")
    func batchValuesArePixelsOver255Exactly() throws {
        let set = indexedImageSet(count: 10, channels: 2, height: 3, width: 3)
        let data = try TensorDataset(set)
        let picked = [7, 0, 3, 3]
        let (x, y) = try data.batch(indices: picked)
        #expect(x.dtype == .float32)
        #expect(x.shape == [4, 2, 3, 3])
        #expect(try y.ints() == picked)
        let expected = picked.flatMap { set.image(at: $0).map { Float($0) / 255 } }
        #expect(try x.scalars(as: Float.self) == expected)
        // Every byte value, so no rounding path of the division is left untried.
        let all = ImageSet(images: (0..<256).map(UInt8.init), labels: [0], channels: 1, height: 16, width: 16,
                           classCount: 1)
        let values = try TensorDataset(all).batch(0..<1).x.scalars(as: Float.self)
        #expect(values == (0..<256).map { Float($0) / 255 })
    }

    @Test("a range batch is the same as the batch of its indices, in order")
    func rangeBatchesFollowIndexOrder() throws {
        let data = try TensorDataset(indexedImageSet(count: 10))
        let (x, y) = try data.batch(3..<7)
        #expect(x.shape == [4, 1, 4, 4])
        #expect(try y.ints() == [3, 4, 5, 6])
        #expect(try x.scalars(as: Float.self) == data.batch(indices: [3, 4, 5, 6]).x.scalars(as: Float.self))
    }

    @Test("a subset of N is the first N points; more than there are is all of them")
    func subsetsAreTheFirstNPoints() throws {
        let set = indexedImageSet(count: 20)
        let data = try TensorDataset(set)
        let first5 = try data.first(5)
        #expect(first5.count == 5)
        #expect(try first5.labels.ints() == [0, 1, 2, 3, 4])
        #expect(try first5.images.scalars(as: UInt8.self) == Array(set.images[0..<5 * 16]))
        // Copying only a prefix at creation gives the same subset.
        let direct = try TensorDataset(set, first: 5)
        #expect(try direct.images.scalars(as: UInt8.self) == first5.images.scalars(as: UInt8.self))
        #expect(try direct.labels.ints() == [0, 1, 2, 3, 4])
        // More than there is means all of it; a negative size is an error.
        #expect(try data.first(1000).count == 20)
        #expect(try TensorDataset(set, first: 1000).count == 20)
        #expect(throws: DataPipelineError.self) { try data.first(-1) }
    }

    @Test("float images, a label count that differs from the image count, or int32 labels are errors")
    func rejectsInconsistentTensors() throws {
        let images = try Tensor.zeros([3, 1, 2, 2], dtype: .uint8)
        #expect(throws: DataPipelineError.self) {
            try TensorDataset(images: images.to(dtype: .float32), labels: Tensor([0, 1, 2] as [Int64]), classCount: 3)
        }
        #expect(throws: DataPipelineError.self) {
            try TensorDataset(images: images, labels: Tensor([0, 1] as [Int64]), classCount: 3)
        }
        #expect(throws: DataPipelineError.self) {
            try TensorDataset(images: images, labels: Tensor([0, 1, 2] as [Int32]), classCount: 3)
        }
    }
}
