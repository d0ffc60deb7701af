// RandomRotation: torchvision's RandomRotation(degrees) as the reference CIFAR-100 script applies it
// (docs/methods.md §2.5: after crop and flip, on PIL images, nearest neighbour, no expansion, zero fill).
//
// torchvision hands a PIL image to Pillow's `Image.rotate`, which builds an affine matrix in Python
// (coefficients rounded to 15 decimals, rotation about (W/2, H/2)) and resamples in C with 16.16
// fixed-point arithmetic: for output pixel (x, y) it reads input pixel (X >> 16, Y >> 16) with
// X = a2 + y·a1 + x·a0 and Y = a5 + y·a4 + x·a3, zero when that lies outside. `sourcePixels`
// repeats those steps exactly, in integers, so deat copies the same pixels Pillow does (checked
// against torchvision in AugmentationTests). The index map is computed on the host, one small
// loop per image, and applied to the whole batch as one gather on the batch's device.
//
//   let rotate = RandomRotation(degrees: 15)
//   let rotated = try rotate.apply(to: x, generator: gen)   // same shape and dtype as x
import Foundation
import Torch

/// Per-image rotation by an angle drawn uniformly from [−degrees, degrees), counter-clockwise for
/// positive angles, about the image centre, nearest neighbour, corners filled with zeros.
public struct RandomRotation: Sendable, Equatable {
    /// The largest rotation, in degrees (0...180).
    public let degrees: Double

    /// A `degrees` outside 0...180 is reported by `draw` and `apply`, which throw.
    public init(degrees: Double) {
        self.degrees = degrees
    }

    /// The angles, in degrees, for `batchSize` images: uniform on [−degrees, degrees).
    public func draw(batchSize: Int, generator: Generator) throws -> [Double] {
        try checkDegrees()
        return try Tensor.uniform([batchSize], low: -degrees, high: degrees, dtype: .float64,
                                  device: generator.device, generator: generator).doubles()
    }

    /// `x` [B, C, H, W] (any dtype) rotated by fresh draws from `generator`.
    public func apply(to x: Tensor, generator: Generator) throws -> Tensor {
        try Self.rotate(x, angles: draw(batchSize: x.shape.first ?? 0, generator: generator))
    }

    /// `x` [B, C, H, W] (any dtype) with image k rotated by `angles[k]` degrees.
    public static func rotate(_ x: Tensor, angles: [Double]) throws -> Tensor {
        guard x.rank == 4 else { throw DataPipelineError("RandomRotation expects [B, C, H, W], got \(x.shape)") }
        let (b, c, h, w) = (x.shape[0], x.shape[1], x.shape[2], x.shape[3])
        guard angles.count == b else {
            throw DataPipelineError("RandomRotation has \(angles.count) angles for a batch of \(b)")
        }
        if b == 0 || h == 0 || w == 0 { return x }
        let area = h * w
        var index: [Int64] = []
        index.reserveCapacity(b * area)
        // A pixel Pillow fills reads index `area`: the zero appended after every image.
        for angle in angles { try appendSourcePixels(angle: angle, height: h, width: w, fill: Int64(area), to: &index) }
        let flat = try x.reshaped([b, c, area])
        let zero = try Tensor.zeros([b, c, 1], dtype: x.dtype, device: x.device)
        let indices = try Tensor(index, shape: [b, 1, area], on: x.device).expanded(to: [b, c, area])
        return try Tensor.cat([flat, zero], dim: 2).gather(dim: 2, indices: indices).reshaped([b, c, h, w])
    }

    /// For every output pixel in row-major order, the input pixel (row · width + column) that
    /// Pillow's `rotate(angle)` copies there, nil where it fills. Throws for an image too large for
    /// Pillow's fixed-point path (a side of about 20,000 pixels), where Pillow switches to floats.
    public static func sourcePixels(angle: Double, height: Int, width: Int) throws -> [Int?] {
        var indices: [Int64] = []
        try appendSourcePixels(angle: angle, height: height, width: width, fill: -1, to: &indices)
        return indices.map { $0 < 0 ? nil : Int($0) }
    }

    /// `sourcePixels` appended to `indices` as int64, with `fill` where Pillow fills.
    static func appendSourcePixels(angle: Double, height: Int, width: Int, fill: Int64, to indices: inout [Int64]) throws {
        let m = pillowMatrix(angle: angle, width: width, height: height)
        // Pillow's check_fixed: every corner's source coordinate representable in 16.16.
        for (x, y) in [(0, 0), (width, height), (0, height), (width, 0)] {
            let (sx, sy) = (Double(x) * m[0] + Double(y) * m[1] + m[2], Double(x) * m[3] + Double(y) * m[4] + m[5])
            guard Swift.abs(sx) < 32768, Swift.abs(sy) < 32768 else {
                throw DataPipelineError("RandomRotation supports images up to 16384 pixels a side, got \(height)×\(width)")
            }
        }
        // FIX(v) = floor(v · 65536 + 0.5); the + 0.5 terms sample at pixel centres.
        func fix(_ v: Double) -> Int { Int((v * 65536.0 + 0.5).rounded(.down)) }
        let (a0, a1, a3, a4) = (fix(m[0]), fix(m[1]), fix(m[3]), fix(m[4]))
        let a2 = fix(m[2] + m[0] * 0.5 + m[1] * 0.5), a5 = fix(m[5] + m[3] * 0.5 + m[4] * 0.5)
        for y in 0..<height {
            var (xx, yy) = (a2 + y * a1, a5 + y * a4)
            for _ in 0..<width {
                let (column, row) = (xx >> 16, yy >> 16)  // arithmetic shift: floor division by 65536
                let inside = column >= 0 && column < width && row >= 0 && row < height
                indices.append(inside ? Int64(row * width + column) : fill)
                xx += a0
                yy += a3
            }
        }
    }

    /// `Image.rotate`'s inverse affine matrix (output → input coordinates), step by step as Pillow's
    /// Python computes it, so that every rounding is the same.
    static func pillowMatrix(angle: Double, width: Int, height: Int) -> [Double] {
        var degrees = angle.truncatingRemainder(dividingBy: 360)  // Python's `angle % 360.0`
        if degrees < 0 { degrees += 360 }
        let theta = -(degrees * (Double.pi / 180))
        let (cx, cy) = (Double(width) / 2, Double(height) / 2)
        var m = [round15(cos(theta)), round15(sin(theta)), 0, round15(-sin(theta)), round15(cos(theta)), 0]
        (m[2], m[5]) = (m[0] * -cx + m[1] * -cy + m[2], m[3] * -cx + m[4] * -cy + m[5])
        m[2] += cx
        m[5] += cy
        return m
    }

    /// Python's `round(v, 15)`: the correctly rounded 15-decimal value, read back.
    static func round15(_ v: Double) -> Double {
        Double(String(format: "%.15f", v)) ?? v
    }

    func checkDegrees() throws {
        guard degrees.isFinite, (0...180).contains(degrees) else {
            throw DataPipelineError("rotation must be between 0 and 180 degrees, got \(degrees)")
        }
    }
}
