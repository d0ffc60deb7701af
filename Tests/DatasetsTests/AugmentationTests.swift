// Augmentation: each output image is exactly its input zero-padded, shifted by its own drawn offsets and
// possibly mirrored, checked against a plain-Swift reference computed from the same draws.
import DataFormats
import Datasets
import Testing
import Torch

/// torchvision's RandomCrop(padding p) then RandomHorizontalFlip for one image, in plain Swift:
/// out[c, i, j] = padded[c, i + top, j' + left], j' = W − 1 − j when flipped.
func referenceCropFlip(_ image: ArraySlice<Float>, channels: Int, height: Int, width: Int, padding: Int,
                       top: Int, left: Int, flip: Bool) -> [Float] {
    let base = image.startIndex
    var out: [Float] = []
    for c in 0..<channels {
        for i in 0..<height {
            for j in 0..<width {
                let r = i + top - padding
                let s = (flip ? width - 1 - j : j) + left - padding
                let inside = r >= 0 && r < height && s >= 0 && s < width
                out.append(inside ? image[base + (c * height + r) * width + s] : 0)
            }
        }
    }
    return out
}

@Suite("Augmentation")
struct AugmentationTests {
    /// A batch of distinct non-zero values, so a shifted or mirrored pixel can never pass for another.
    func batch(_ b: Int, _ c: Int, _ h: Int, _ w: Int) throws -> Tensor {
        let n = b * c * h * w
        return try Tensor((0..<n).map { Float($0 + 1) }, shape: [b, c, h, w])
    }

    @Test("every output image is its own input zero-padded, shifted by its own draw and maybe mirrored")
    func everyImageIsItsOwnPaddedShiftedMaybeFlippedCopy() throws {
        let (b, c, h, w, p) = (64, 3, 6, 5, 2)
        let x = try batch(b, c, h, w)
        let crop = RandomCropFlip(padding: p)
        let draws = try crop.draw(batchSize: b, generator: Generator(seed: 11))
        let out = try crop.apply(to: x, draws: draws)
        #expect(out.shape == [b, c, h, w])
        #expect(out.dtype == .float32)

        let input = try x.scalars(as: Float.self), output = try out.scalars(as: Float.self)
        let tops = try draws.top.ints(), lefts = try draws.left.ints()
        let flips = try draws.flip.scalars(as: Bool.self)
        let size = c * h * w
        for k in 0..<b {
            #expect((0...2 * p).contains(tops[k]) && (0...2 * p).contains(lefts[k]))
            let expected = referenceCropFlip(input[k * size..<(k + 1) * size], channels: c, height: h, width: w,
                                             padding: p, top: tops[k], left: lefts[k], flip: flips[k])
            #expect(Array(output[k * size..<(k + 1) * size]) == expected, "image \(k)")
        }
        // Per-image draws: both flip outcomes and many different offsets within one batch.
        #expect(Set(flips).count == 2)
        #expect(Set(zip(tops, lefts).map { "\($0),\($1)" }).count >= 10)
    }

    @Test("cropping uint8 pixels then dividing by 255 equals cropping the float images")
    func theCIFARRecipeOnUInt8MatchesFloat() throws {
        // The loader crops uint8 pixels before converting; that must equal cropping the floats.
        let bytes = (0..<(8 * 3 * 32 * 32)).map { UInt8($0 % 251) }
        let pixels = try Tensor(bytes, shape: [8, 3, 32, 32])
        let viaBytes = try Augmentation.cifar.apply(to: pixels, generator: Generator(seed: 3))
        let viaFloats = try Augmentation.cifar.apply(to: pixels.to(dtype: .float32) / 255, generator: Generator(seed: 3))
        #expect(viaBytes.dtype == .uint8)
        #expect(try (viaBytes.to(dtype: .float32) / 255).scalars(as: Float.self) == viaFloats.scalars(as: Float.self))
    }

    @Test("the same seed gives the same augmentation, another seed another one")
    func sameSeedSameAugmentation() throws {
        let x = try batch(16, 1, 8, 8)
        let a = try Augmentation.cropFlip(padding: 4).apply(to: x, generator: Generator(seed: 5))
        let b = try Augmentation.cropFlip(padding: 4).apply(to: x, generator: Generator(seed: 5))
        let other = try Augmentation.cropFlip(padding: 4).apply(to: x, generator: Generator(seed: 6))
        #expect(try a.scalars(as: Float.self) == b.scalars(as: Float.self))
        #expect(try a.scalars(as: Float.self) != other.scalars(as: Float.self))
        // apply(generator:) is draw-then-apply, in that order.
        let crop = RandomCropFlip(padding: 4)
        let explicit = try crop.apply(to: x, draws: crop.draw(batchSize: 16, generator: Generator(seed: 5)))
        #expect(try a.scalars(as: Float.self) == explicit.scalars(as: Float.self))
    }

    @Test("with zero padding an image is only ever mirrored")
    func zeroPaddingOnlyFlips() throws {
        let x = try batch(32, 2, 3, 4)
        let crop = RandomCropFlip(padding: 0)
        let draws = try crop.draw(batchSize: 32, generator: Generator(seed: 1))
        #expect(try draws.top.ints().allSatisfy { $0 == 0 })
        let out = try crop.apply(to: x, draws: draws)
        let flips = try draws.flip.unsqueezed(dim: 1).unsqueezed(dim: 2).unsqueezed(dim: 3)
        let expected = try Tensor.where(flips.expanded(to: x.shape), x.flipped(dims: [3]), x)
        #expect(try out.scalars(as: Float.self) == expected.scalars(as: Float.self))
    }

    @Test("no augmentation is the identity; the default is crop and flip for CIFAR and none for MNIST-like data")
    func noneIsIdentityAndDefaultsFollowTheReference() throws {
        let x = try batch(2, 1, 3, 3)
        let out = try Augmentation.none.apply(to: x, generator: Generator(seed: 0))
        #expect(try out.scalars(as: Float.self) == x.scalars(as: Float.self))
        #expect(Augmentation.defaultTraining(for: .fashionMNIST) == .none)
        #expect(Augmentation.defaultTraining(for: .mnist) == .none)
        #expect(Augmentation.defaultTraining(for: .cifar10) == .cropFlip(padding: 4))
        #expect(Augmentation.defaultTraining(for: .cifar100) == .cifar)
    }

    @Test("a batch that is not 4-D, draws for another batch size, or a negative padding is an error")
    func rejectsBadShapes() throws {
        let crop = RandomCropFlip(padding: 1)
        #expect(throws: DataPipelineError.self) { try crop.apply(to: Tensor.zeros([3, 4, 4]), generator: Generator(seed: 0)) }
        let draws = try crop.draw(batchSize: 2, generator: Generator(seed: 0))
        #expect(throws: DataPipelineError.self) { try crop.apply(to: Tensor.zeros([3, 1, 4, 4]), draws: draws) }
        #expect(throws: DataPipelineError.self) {
            try Augmentation.cropFlip(padding: -1).apply(to: Tensor.zeros([1, 1, 4, 4]), generator: Generator(seed: 0))
        }
    }
}
