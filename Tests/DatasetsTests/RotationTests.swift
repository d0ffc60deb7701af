// RandomRotation against torchvision: for every fixture case (Fixtures/rotation.json, written by
// scripts/fixtures/gen_rotation.py with torchvision's rotate on PIL images, as mdeat_cifar100.py
// runs it) deat copies exactly the pixels Pillow copies, and fills exactly the pixels Pillow fills.
import Datasets
import Foundation
import Testing
import Torch

struct RotationFixture: Decodable {
    struct Case: Decodable {
        let height: Int
        let width: Int
        let angle: Double
        /// Per output pixel, row-major: the input pixel copied there, -1 where filled with zero.
        let source: [Int]
        /// torchvision's output as uint8 [3, H, W] of `numbered(height, width)`.
        let pixels: [UInt8]
    }
    let cases: [Case]

    static func load() throws -> RotationFixture {
        let url = try #require(Bundle.module.url(forResource: "rotation", withExtension: "json", subdirectory: "Fixtures"))
        return try JSONDecoder().decode(RotationFixture.self, from: Data(contentsOf: url))
    }

    /// The fixture's input: pixel n = row · width + column + 1 as (n % 256, n / 256, 255), uint8 [3, H, W].
    static func numbered(height: Int, width: Int) -> [UInt8] {
        let n = (0..<height * width).map { $0 + 1 }
        return n.map { UInt8($0 % 256) } + n.map { UInt8($0 / 256) } + n.map { _ in 255 }
    }
}

@Suite("RandomRotation")
struct RotationTests {
    @Test("every output pixel comes from the input pixel torchvision's rotate copies, or is filled where it fills")
    func sourcePixelsMatchTorchvision() throws {
        let fixture = try RotationFixture.load()
        #expect(fixture.cases.count == 18)
        for c in fixture.cases {
            let source = try RandomRotation.sourcePixels(angle: c.angle, height: c.height, width: c.width)
            #expect(source.map { $0 ?? -1 } == c.source, "\(c.height)×\(c.width) at \(c.angle)°")
        }
    }

    @Test("rotating the uint8 batch gives torchvision's output bytes, each image by its own angle")
    func rotatedBytesMatchTorchvision() throws {
        let fixture = try RotationFixture.load()
        // One batch of all CIFAR-sized cases, so a per-image angle cannot leak into another image.
        let square = fixture.cases.filter { $0.height == 32 && $0.width == 32 }
        #expect(square.count == 10)
        let image = RotationFixture.numbered(height: 32, width: 32)
        let batch = try Tensor(Array(repeating: image, count: square.count).flatMap { $0 }, shape: [square.count, 3, 32, 32])
        let rotated = try RandomRotation.rotate(batch, angles: square.map(\.angle))
        #expect(rotated.shape == batch.shape && rotated.dtype == .uint8)
        #expect(try rotated.bytes() == square.flatMap(\.pixels))
        // Other sizes, one at a time.
        for c in fixture.cases where !(c.height == 32 && c.width == 32) {
            let x = try Tensor(RotationFixture.numbered(height: c.height, width: c.width), shape: [1, 3, c.height, c.width])
            #expect(try RandomRotation.rotate(x, angles: [c.angle]).bytes() == c.pixels, "\(c.height)×\(c.width) at \(c.angle)°")
        }
    }

    @Test("angles are uniform on [−degrees, degrees) and follow the seed")
    func drawsAreSeededAndInRange() throws {
        let rotation = RandomRotation(degrees: 15)
        let angles = try rotation.draw(batchSize: 2000, generator: Generator(seed: 4))
        #expect(angles.allSatisfy { (-15..<15).contains($0) })
        #expect(try #require(angles.min()) < -14.5 && (try #require(angles.max())) > 14.5)
        #expect(abs(angles.reduce(0, +) / 2000) < 0.5)  // mean 0, standard error ≈ 0.19
        #expect(try rotation.draw(batchSize: 2000, generator: Generator(seed: 4)) == angles)
        #expect(try rotation.draw(batchSize: 2000, generator: Generator(seed: 5)) != angles)
    }

    @Test("crop, flip and rotation draw in that order from one generator, and rotation 0 leaves the old recipe unchanged")
    func augmentationRotatesAfterCropAndFlip() throws {
        let count = 6 * 3 * 32 * 32
        let bytes: [UInt8] = (0..<count).map { (i: Int) -> UInt8 in UInt8(i % 251) }
        let x = try Tensor(bytes, shape: [6, 3, 32, 32])
        let augmented = try Augmentation.cropFlip(padding: 4, rotation: 15).apply(to: x, generator: Generator(seed: 8))
        let generator = try Generator(seed: 8)
        let cropped = try RandomCropFlip(padding: 4).apply(to: x, generator: generator)
        let byHand = try RandomRotation(degrees: 15).apply(to: cropped, generator: generator)
        #expect(try augmented.bytes() == byHand.bytes())
        #expect(try augmented.bytes() != cropped.bytes())
        let unrotated = try Augmentation.cropFlip(padding: 4, rotation: 0).apply(to: x, generator: Generator(seed: 8))
        #expect(try unrotated.bytes() == Augmentation.cifar.apply(to: x, generator: Generator(seed: 8)).bytes())
        #expect(Augmentation.cropFlip(padding: 4, rotation: 15).description == "crop (zero padding 4) + flip + rotation (±15.0°)")
    }

    @Test("rotating float images equals rotating their uint8 pixels, and the corners are zero")
    func floatsMatchBytesAndCornersAreZero() throws {
        let count = 4 * 3 * 32 * 32
        let bytes: [UInt8] = (0..<count).map { (i: Int) -> UInt8 in UInt8(1 + i % 250) }  // no zero pixels in the input
        let x = try Tensor(bytes, shape: [4, 3, 32, 32])
        let angles: [Double] = [15, -15, 9.25, -3.5]
        let viaBytes = try RandomRotation.rotate(x, angles: angles)
        let viaFloats = try RandomRotation.rotate(x.to(dtype: .float32) / 255, angles: angles)
        #expect(try (viaBytes.to(dtype: .float32) / 255).scalars(as: Float.self) == viaFloats.scalars(as: Float.self))
        // At ±15° the top-left corner of a 32×32 image is outside the rotated input; the centre is not.
        let out = try viaBytes.bytes()
        let imageSize = 3 * 32 * 32, centre = 16 * 32 + 16
        for k in 0..<2 {
            #expect(out[k * imageSize] == 0, "image \(k) corner")
            #expect(out[k * imageSize + centre] != 0, "image \(k) centre")
        }
    }

    @Test("a rotation outside 0...180 degrees, angles for another batch, or a batch that is not 4-D is an error")
    func rejectsBadSettings() throws {
        for degrees in [-1.0, 181, .nan, .infinity] {
            #expect(throws: DataPipelineError.self) { try RandomRotation(degrees: degrees).draw(batchSize: 1, generator: Generator(seed: 0)) }
            #expect(throws: DataPipelineError.self) {
                try DataLoader(TensorDataset(images: Tensor.zeros([2, 1, 4, 4]), labels: Tensor.zeros([2], dtype: .int64), classCount: 10), batchSize: 1,
                               augmentation: .cropFlip(padding: 1, rotation: degrees))
            }
        }
        #expect(throws: DataPipelineError.self) { try RandomRotation.rotate(Tensor.zeros([2, 1, 4, 4]), angles: [1]) }
        #expect(throws: DataPipelineError.self) { try RandomRotation.rotate(Tensor.zeros([1, 4, 4]), angles: [1]) }
        #expect(throws: DataPipelineError.self) { try RandomRotation.sourcePixels(angle: 10, height: 40_000, width: 40_000) }
    }
}
