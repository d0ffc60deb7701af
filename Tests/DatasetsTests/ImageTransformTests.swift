// ImageTransformTests: the folder dataset's transforms against torchvision 0.14 on PIL 9.4
// (Fixtures/image-transforms, from scripts/fixtures/gen_image_folder.py): F.resized_crop, which
// RandomResizedCrop applies to the box it drew, and Resize(size·256/224) + CenterCrop(size). deat
// repeats Pillow's fixed-point bilinear resampler, so the stated tolerance is 0: equal bytes. The
// box itself follows torchvision's get_params, checked on cases worked out by hand.

import DataFormats
import Datasets
import Foundation
import Testing

private let transformFixtures = Bundle.module.url(forResource: "image-transforms", withExtension: nil, subdirectory: "Fixtures")

private struct TransformCases: Decodable {
    struct Case: Decodable {
        let kind: String
        let input: String
        let output: String
        let size: Int
        let top: Int?, left: Int?, height: Int?, width: Int?
    }
    let pil: String
    let torchvision: String
    let cases: [Case]
}

/// The largest difference between two byte arrays of the same length.
private func worstDifference(_ a: [UInt8], _ b: [UInt8]) -> Int {
    zip(a, b).map { abs(Int($0) - Int($1)) }.max() ?? 0
}

@Suite("Image transforms (torchvision)")
struct ImageTransformTests {
    private func load() throws -> (URL, TransformCases) {
        let folder = try #require(transformFixtures, "Fixtures/image-transforms is missing")
        let cases = try JSONDecoder().decode(TransformCases.self, from: Data(contentsOf: folder.appendingPathComponent("cases.json")))
        return (folder, cases)
    }

    @Test("F.resized_crop: deat's bilinear resize equals Pillow's byte for byte, shrinking and enlarging")
    func resizedCropEqualsTorchvision() throws {
        let (folder, fixture) = try load()
        let cases = fixture.cases.filter { $0.kind == "resized-crop" }
        try #require(cases.count >= 6, "only \(cases.count) resized-crop cases")
        for c in cases {
            let image = try ImageDecoder.decode(contentsOf: folder.appendingPathComponent(c.input))
            let want = try ImageDecoder.decode(contentsOf: folder.appendingPathComponent(c.output))
            let box = try (#require(c.top), #require(c.left), #require(c.height), #require(c.width))
            let got = ImageTransform.resizedCrop(image, box: box, size: c.size)
            #expect(got.width == want.width && got.height == want.height, "\(c.output)")
            #expect(worstDifference(got.pixels, want.pixels) == 0, "\(c.output): \(c.input) box \(box) → \(c.size)")
        }
    }

    @Test("evaluation: Resize(size·256/224) + CenterCrop(size) equals torchvision's output byte for byte")
    func evaluationEqualsTorchvision() throws {
        let (folder, fixture) = try load()
        let cases = fixture.cases.filter { $0.kind == "evaluation" }
        try #require(cases.count >= 3, "only \(cases.count) evaluation cases")
        #expect(cases.contains { $0.size == 224 }, "the ImageNet size is covered")
        for c in cases {
            let image = try ImageDecoder.decode(contentsOf: folder.appendingPathComponent(c.input))
            let want = try ImageDecoder.decode(contentsOf: folder.appendingPathComponent(c.output))
            let (pixels, flip) = ImageTransform.evaluation(size: c.size).applyHWC(to: image, draws: [])
            #expect(!flip)
            #expect(pixels.count == want.pixels.count, "\(c.output)")
            #expect(worstDifference(pixels, want.pixels) == 0, "\(c.output): \(c.input) at \(c.size)")
        }
    }

    @Test("RandomResizedCrop's box: the first attempt that fits, torchvision's fallback after ten misses")
    func boxFollowsTorchvision() {
        // 100×200: attempt 1 asks for 104×104 (too tall); attempt 2, 8 % of the area at ratio 1, fits.
        var draws = [Double](repeating: 0.5, count: 41)
        draws[4] = 0
        draws[6] = 0.5
        draws[7] = 0.999
        #expect(ImageTransform.box(height: 100, width: 200, draws: draws[...]) == (30, 160, 40, 40))
        // Every attempt asks for ≥ 86 rows of a 10-row strip: the fallback keeps the height and
        // clamps the width to ratio 4/3, round(13.33) = 13, centred.
        let whole = [Double](repeating: 1, count: 41)
        #expect(ImageTransform.box(height: 10, width: 1000, draws: whole[...]) == (0, 493, 10, 13))
        #expect(ImageTransform.box(height: 1000, width: 10, draws: whole[...]) == (493, 0, 13, 10))
        // An image within the ratio range falls back to the whole image.
        let tiny = [Double](repeating: 0.999, count: 41)
        #expect(ImageTransform.box(height: 3, width: 3, draws: tiny[...]).height <= 3)
    }

    @Test("the training transform writes channel-planar bytes and flips when its draw is below 1/2")
    func trainingFlip() throws {
        let (folder, _) = try load()
        let image = try ImageDecoder.decode(contentsOf: folder.appendingPathComponent("landscape.png"))
        var draws = [Double](repeating: 0.3, count: 41)
        let transform = ImageTransform.randomResizedCrop(size: 16)
        var flipped = [UInt8](repeating: 0, count: 3 * 16 * 16)
        var plain = flipped
        flipped.withUnsafeMutableBufferPointer { transform.apply(to: image, draws: draws[...], into: $0) }
        draws[40] = 0.7
        plain.withUnsafeMutableBufferPointer { transform.apply(to: image, draws: draws[...], into: $0) }
        let (hwc, _) = transform.applyHWC(to: image, draws: draws[...])
        for c in 0..<3 {
            for row in 0..<16 {
                for column in 0..<16 {
                    let value = hwc[(row * 16 + column) * 3 + c]
                    #expect(plain[c * 256 + row * 16 + column] == value)
                    #expect(flipped[c * 256 + row * 16 + 15 - column] == value)
                }
            }
        }
    }
}
