// PillowResize: Pillow's bilinear resize (Resample.c in Pillow 9.4), repeated step by step so that
// deat's resized images are PIL's byte for byte (docs/datasets.md §3). torchvision resizes PIL images
// with `Image.resize(size, BILINEAR)`, which is Pillow's convolution resampler, not a 2×2 bilinear
// lookup: when shrinking, the triangle filter is widened by the scale factor (antialiasing).
//
// Pillow's steps: per axis, coefficients in doubles (filter support scaled by max(1, in/out), taps
// from round(centre ± support), each row normalised to sum 1), turned into 22-bit fixed point; then
// a horizontal pass over only the rows the vertical pass will read, clipped to 8 bits, then the
// vertical pass, clipped again. An axis whose size does not change is not resampled at all.
// Only a window of the output can be computed (the centre crop of the evaluation transform): each
// output pixel depends on its own coefficients alone, so the window holds the same bytes as the
// whole resize would.
//
//   let out = PillowResize.resize(image, region: (0, 0, 375, 500), to: (256, 341))   // RGBImage

import DataFormats

enum PillowResize {
    /// Pillow's PRECISION_BITS for 8-bit images: 32 − 8 − 2.
    static let precisionBits = 22

    /// The taps of one axis: output position p reads `count[p]` input positions from `start[p]`,
    /// with weights `weights[p * taps ..< p * taps + count[p]]`.
    struct Axis {
        let start: [Int]
        let count: [Int]
        let weights: [Int32]
        let taps: Int
    }

    /// Pillow's `precompute_coeffs` for the bilinear filter (support 1) on the box 0…`inSize`,
    /// followed by `normalize_coeffs_8bpc`.
    static func axis(inSize: Int, outSize: Int) -> Axis {
        let scale = Double(inSize) / Double(outSize)
        let filterScale = max(scale, 1)
        let support = 1.0 * filterScale
        let taps = Int(support.rounded(.up)) * 2 + 1
        var start = [Int](repeating: 0, count: outSize)
        var count = [Int](repeating: 0, count: outSize)
        var weights = [Int32](repeating: 0, count: outSize * taps)
        var k = [Double](repeating: 0, count: taps)
        for position in 0..<outSize {
            let centre = (Double(position) + 0.5) * scale
            let inverse = 1.0 / filterScale
            let low = max(Int(centre - support + 0.5), 0)  // C's (int) cast truncates toward zero
            let high = min(Int(centre + support + 0.5), inSize)
            let n = high - low
            var total = 0.0
            for x in 0..<n {
                var t = (Double(x + low) - centre + 0.5) * inverse
                if t < 0 { t = -t }
                let w = t < 1 ? 1 - t : 0
                k[x] = w
                total += w
            }
            for x in 0..<n {
                let normalised = total != 0 ? k[x] / total : k[x]
                let fixed = normalised * Double(1 << precisionBits)
                weights[position * taps + x] = Int32(normalised < 0 ? -0.5 + fixed : 0.5 + fixed)
            }
            start[position] = low
            count[position] = n
        }
        return Axis(start: start, count: count, weights: weights, taps: taps)
    }

    /// Pillow's `clip8`: the fixed-point sum back to a byte.
    @inline(__always)
    static func clip8(_ sum: Int32) -> UInt8 {
        UInt8(clamping: sum >> Int32(precisionBits))
    }

    /// The part `window` (rows, columns of the output) of `image`'s `region` (top, left, height, width:
    /// what `crop` keeps) resized to `size` (height, width), as interleaved RGB, row-major.
    static func resize(
        _ image: RGBImage, region: (top: Int, left: Int, height: Int, width: Int), to size: (height: Int, width: Int),
        window: (rows: Range<Int>, columns: Range<Int>)? = nil
    ) -> [UInt8] {
        precondition(region.top >= 0 && region.left >= 0 && region.height > 0 && region.width > 0
                     && region.top + region.height <= image.height && region.left + region.width <= image.width,
                     "PillowResize: the region \(region) is not inside the \(image.height)×\(image.width) image")
        let rows = window?.rows ?? 0..<size.height
        let columns = window?.columns ?? 0..<size.width
        let resampleColumns = size.width != region.width
        let resampleRows = size.height != region.height
        let vertical = resampleRows ? axis(inSize: region.height, outSize: size.height) : nil
        let horizontal = resampleColumns ? axis(inSize: region.width, outSize: size.width) : nil
        // The region rows the vertical pass reads (all of `rows` when rows are not resampled).
        let firstRow = vertical.map { $0.start[rows.lowerBound] } ?? rows.lowerBound
        let endRow = vertical.map { $0.start[rows.upperBound - 1] + $0.count[rows.upperBound - 1] } ?? rows.upperBound
        let width = columns.count
        // Pillow sums in 32-bit ints: 255 × 2²² plus the rounding half fits, and the weights of a
        // bilinear filter are never negative, so the wrapping operators never wrap (and vectorise).
        let half32 = Int32(1 << (precisionBits - 1))

        // Horizontal pass: region rows firstRow..<endRow, output columns `columns`. The loops run
        // over raw buffers: this is the loader's hottest code (docs/datasets.md §4).
        var temp = [UInt8](repeating: 0, count: (endRow - firstRow) * width * 3)
        image.pixels.withUnsafeBufferPointer { source in
            temp.withUnsafeMutableBufferPointer { out in
                guard let horizontal else {
                    for r in firstRow..<endRow {
                        let sourceRow = (region.top + r) * image.width * 3 + (region.left + columns.lowerBound) * 3
                        let outRow = (r - firstRow) * width * 3
                        for i in 0..<width * 3 { out[outRow + i] = source[sourceRow + i] }
                    }
                    return
                }
                horizontal.start.withUnsafeBufferPointer { start in
                    horizontal.count.withUnsafeBufferPointer { count in
                        horizontal.weights.withUnsafeBufferPointer { weights in
                            for r in firstRow..<endRow {
                                let sourceRow = (region.top + r) * image.width * 3
                                let outRow = (r - firstRow) * width * 3
                                for (c, column) in columns.enumerated() {
                                    var (s0, s1, s2) = (half32, half32, half32)
                                    let first = sourceRow + (region.left + start[column]) * 3
                                    let w0 = column * horizontal.taps
                                    for x in 0..<count[column] {
                                        let w = weights[w0 + x]
                                        s0 &+= Int32(source[first + 3 * x]) &* w
                                        s1 &+= Int32(source[first + 3 * x + 1]) &* w
                                        s2 &+= Int32(source[first + 3 * x + 2]) &* w
                                    }
                                    out[outRow + 3 * c] = clip8(s0)
                                    out[outRow + 3 * c + 1] = clip8(s1)
                                    out[outRow + 3 * c + 2] = clip8(s2)
                                }
                            }
                        }
                    }
                }
            }
        }
        guard let vertical else { return temp }

        // Vertical pass over the 8-bit intermediate, as Pillow does. The sums are accumulated a
        // whole row at a time (the same integer sums in another order, so the same bytes), which
        // reads the intermediate contiguously instead of a column at a time.
        let rowLength = width * 3
        var result = [UInt8](repeating: 0, count: rows.count * rowLength)
        var sums = [Int32](repeating: 0, count: rowLength)
        temp.withUnsafeBufferPointer { source in
            result.withUnsafeMutableBufferPointer { out in
                sums.withUnsafeMutableBufferPointer { acc in
                    vertical.start.withUnsafeBufferPointer { start in
                        vertical.count.withUnsafeBufferPointer { count in
                            vertical.weights.withUnsafeBufferPointer { weights in
                                for (o, row) in rows.enumerated() {
                                    let first = start[row] - firstRow
                                    let w0 = row * vertical.taps
                                    for c in 0..<rowLength { acc[c] = half32 }
                                    for y in 0..<count[row] {
                                        let w = weights[w0 + y]
                                        let line = (first + y) * rowLength
                                        for c in 0..<rowLength { acc[c] &+= Int32(source[line + c]) &* w }
                                    }
                                    let target = o * rowLength
                                    for c in 0..<rowLength { out[target + c] = clip8(acc[c]) }
                                }
                            }
                        }
                    }
                }
            }
        }
        return result
    }
}
