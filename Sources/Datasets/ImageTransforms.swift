// ImageTransforms: the ImageNet-style transforms of `--dataset folder`, as torchvision applies them
// to PIL images (docs/datasets.md §3):
//   training    RandomResizedCrop(size, scale 0.08–1, ratio 3/4–4/3, bilinear) + RandomHorizontalFlip
//   evaluation  Resize(size·256/224, bilinear) + CenterCrop(size)   (Resize(256) + CenterCrop(224))
// Both resize with Pillow's own bilinear resampler (PillowResize.swift), so the bytes equal
// torchvision's; the crop box follows torchvision's `RandomResizedCrop.get_params` (ten attempts,
// then its fallback), fed by deat's draws instead of torch's global generator.
//
// Draws: an image takes `drawsPerImage` uniforms in [0, 1): four per attempt (area, log aspect
// ratio, top, left) and one for the flip, all drawn up front whether used or not, so image k of a
// batch always reads the same slots of the batch's draws (FolderLoader.swift).
//
//   let crop = ImageTransform.randomResizedCrop(size: 224)
//   let box = crop.box(height: 375, width: 500, draws: u[0..<41])
//   let chw = try crop.apply(to: image, draws: u[0..<41])   // 3·224·224 bytes, channel-planar

import DataFormats
import Foundation

/// What is done to one decoded image before it joins a batch.
public enum ImageTransform: Sendable, Equatable, CustomStringConvertible {
    /// Training: a random box of 8–100 % of the area and aspect ratio 3/4–4/3, resized to
    /// size × size, then flipped left–right with probability 1/2.
    case randomResizedCrop(size: Int)
    /// Evaluation: the shorter side resized to size·256/224 (rounded down), then the centre size × size.
    case evaluation(size: Int)

    /// Uniforms one image takes: 10 attempts × 4, and the flip.
    public static let drawsPerImage = 41
    static let scale = (0.08, 1.0)
    static let ratio = (3.0 / 4.0, 4.0 / 3.0)

    /// Output side.
    public var size: Int {
        switch self {
        case .randomResizedCrop(let size), .evaluation(let size): size
        }
    }

    /// Uniforms `apply` reads per image (none for evaluation).
    public var drawCount: Int {
        if case .randomResizedCrop = self { return Self.drawsPerImage }
        return 0
    }

    public var description: String {
        switch self {
        case .randomResizedCrop(let size): "RandomResizedCrop(\(size)) + flip"
        case .evaluation(let size): "Resize(\(Self.evaluationResize(size))) + CenterCrop(\(size))"
        }
    }

    /// The shorter side the evaluation transform resizes to: 256 for 224, size·256/224 rounded down otherwise.
    public static func evaluationResize(_ size: Int) -> Int { size * 256 / 224 }

    /// Throws for a size that cannot be produced.
    public func validate() throws {
        guard (1...4096).contains(size) else { throw DataPipelineError("image size must be between 1 and 4096 pixels, got \(size)") }
    }

    /// torchvision's `RandomResizedCrop.get_params` with `draws` in place of its random numbers:
    /// the box (top, left, height, width) to crop from a `height` × `width` image.
    public static func box(height: Int, width: Int, draws: ArraySlice<Double>) -> (top: Int, left: Int, height: Int, width: Int) {
        precondition(draws.count >= 40, "RandomResizedCrop needs 40 draws")
        let area = Double(height * width)
        let (logLow, logHigh) = (log(ratio.0), log(ratio.1))
        let base = draws.startIndex
        for attempt in 0..<10 {
            let u = base + 4 * attempt
            let target = area * (scale.0 + draws[u] * (scale.1 - scale.0))
            let aspect = exp(logLow + draws[u + 1] * (logHigh - logLow))
            // Python's round(): halves to even.
            let w = Int((target * aspect).squareRoot().rounded(.toNearestOrEven))
            let h = Int((target / aspect).squareRoot().rounded(.toNearestOrEven))
            if w > 0, w <= width, h > 0, h <= height {
                let top = min(Int(draws[u + 2] * Double(height - h + 1)), height - h)
                let left = min(Int(draws[u + 3] * Double(width - w + 1)), width - w)
                return (top, left, h, w)
            }
        }
        // torchvision's fallback: the centre box, clamped to the ratio range.
        let inRatio = Double(width) / Double(height)
        var (w, h) = (width, height)
        if inRatio < ratio.0 {
            h = Int((Double(w) / ratio.0).rounded(.toNearestOrEven))
        } else if inRatio > ratio.1 {
            w = Int((Double(h) * ratio.1).rounded(.toNearestOrEven))
        }
        return ((height - h) / 2, (width - w) / 2, h, w)
    }

    /// torchvision's `F.resized_crop(image, top, left, height, width, [size, size], BILINEAR)`: the
    /// box cut out and resized with Pillow's bilinear filter.
    public static func resizedCrop(_ image: RGBImage, box: (top: Int, left: Int, height: Int, width: Int), size: Int) -> RGBImage {
        RGBImage(width: size, height: size, pixels: PillowResize.resize(image, region: box, to: (size, size)))
    }

    /// The evaluation transform's resized size and centre window, as torchvision's Resize (shorter
    /// side to `resize`, longer side `int(resize · long / short)`) and CenterCrop (offsets
    /// `int(round((H − size) / 2))`) compute them.
    static func evaluationGeometry(height: Int, width: Int, size: Int)
        -> (resized: (height: Int, width: Int), rows: Range<Int>, columns: Range<Int>)
    {
        let short = evaluationResize(size)
        let (shortSide, longSide) = width <= height ? (width, height) : (height, width)
        let long = Int(Double(short * longSide) / Double(shortSide))
        let (h, w) = width <= height ? (long, short) : (short, long)
        let top = Int((Double(h - size) / 2).rounded(.toNearestOrEven))
        let left = Int((Double(w - size) / 2).rounded(.toNearestOrEven))
        return ((h, w), top..<top + size, left..<left + size)
    }

    /// `image` transformed, as interleaved RGB (HWC), size × size; `flip` tells whether the training
    /// transform flipped it.
    public func applyHWC(to image: RGBImage, draws: ArraySlice<Double>) -> (pixels: [UInt8], flip: Bool) {
        switch self {
        case .randomResizedCrop(let size):
            let box = Self.box(height: image.height, width: image.width, draws: draws)
            let pixels = PillowResize.resize(image, region: box, to: (size, size))
            return (pixels, draws[draws.startIndex + 40] < 0.5)
        case .evaluation(let size):
            let g = Self.evaluationGeometry(height: image.height, width: image.width, size: size)
            // torchvision pads an image smaller than the crop; size·256/224 ≥ size never needs it.
            let pixels = PillowResize.resize(
                image, region: (0, 0, image.height, image.width), to: g.resized, window: (g.rows, g.columns))
            return (pixels, false)
        }
    }

    /// `image` transformed into `out`: 3 · size · size bytes, channel-planar (CHW), flipped when drawn.
    public func apply(to image: RGBImage, draws: ArraySlice<Double>, into out: UnsafeMutableBufferPointer<UInt8>) {
        let (pixels, flip) = applyHWC(to: image, draws: draws)
        let side = size
        let plane = side * side
        precondition(out.count >= 3 * plane, "ImageTransform: output buffer too small")
        pixels.withUnsafeBufferPointer { pixels in
            for row in 0..<side {
                for column in 0..<side {
                    let source = (row * side + column) * 3
                    let target = row * side + (flip ? side - 1 - column : column)
                    out[target] = pixels[source]
                    out[plane + target] = pixels[source + 1]
                    out[2 * plane + target] = pixels[source + 2]
                }
            }
        }
    }
}
