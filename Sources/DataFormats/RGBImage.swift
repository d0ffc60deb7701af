// RGBImage and ImageDecoder: one image file (JPEG or PNG) decoded into 8-bit RGB, as torchvision's
// ImageFolder loader gets it from PIL's `Image.open(f).convert('RGB')` (docs/datasets.md §2).
//
// The format is told by the file's first bytes, never by its name (as PIL does): a PNG named
// .JPEG (ImageNet has one) decodes as the PNG it is. Every failure is a DatasetError naming the file,
// and an image whose header claims more than `maxPixels` is refused before anything that size is
// allocated (a 60-byte file can claim 65535 × 65535 pixels).
//
//   let image = try ImageDecoder.decode(contentsOf: URL(fileURLWithPath: "train/cat/1.jpg"))
//   image.width, image.height; image.pixels.count == 3 * image.width * image.height

import Foundation

/// 8-bit RGB pixels, row after row, each pixel's three bytes together (HWC, as PIL stores RGB).
public struct RGBImage: Sendable, Equatable {
    public let width: Int
    public let height: Int
    /// `3 * width * height` bytes: R, G, B of pixel (0, 0), then of (0, 1), …
    public let pixels: [UInt8]

    /// Creates an image; `pixels.count` must be `3 * width * height` (a programming error otherwise).
    public init(width: Int, height: Int, pixels: [UInt8]) {
        precondition(width >= 0 && height >= 0 && pixels.count == 3 * width * height, "RGBImage: pixel count does not match")
        self.width = width
        self.height = height
        self.pixels = pixels
    }
}

/// Decodes JPEG (libjpeg-turbo) and PNG (libspng) files into `RGBImage`s.
public enum ImageDecoder {
    /// PIL's decompression-bomb limit (2 × `Image.MAX_IMAGE_PIXELS`), past which PIL refuses to open a
    /// file: 178,956,970 pixels, 537 MB as RGB.
    public static let defaultMaxPixels = 178_956_970

    /// The file formats the decoder recognises from their first bytes.
    public enum Format: String, Sendable {
        case jpeg = "JPEG"
        case png = "PNG"
    }

    /// The format `bytes` start with, or nil.
    public static func format(of bytes: [UInt8]) -> Format? {
        if bytes.starts(with: [0xFF, 0xD8, 0xFF]) { return .jpeg }
        if bytes.starts(with: [0x89, 0x50, 0x4E, 0x47, 0x0D, 0x0A, 0x1A, 0x0A]) { return .png }
        return nil
    }

    /// Reads and decodes the file at `url`.
    public static func decode(contentsOf url: URL, maxPixels: Int = defaultMaxPixels) throws -> RGBImage {
        let data: Data
        do {
            data = try Data(contentsOf: url)
        } catch {
            let missing = !FileManager.default.fileExists(atPath: url.path)
            throw DatasetError(missing ? .missingFile : .unreadable, file: url.path,
                               missing ? "no such file" : "cannot be read: \((error as NSError).localizedDescription)")
        }
        return try decode([UInt8](data), file: url.path, maxPixels: maxPixels)
    }

    /// Decodes `bytes`, a JPEG or PNG file; `file` names it in errors.
    public static func decode(_ bytes: [UInt8], file: String, maxPixels: Int = defaultMaxPixels) throws -> RGBImage {
        guard !bytes.isEmpty else { throw DatasetError(.truncated, file: file, "empty file (0 bytes), not an image") }
        switch format(of: bytes) {
        case .jpeg: return try JPEG.decode(bytes, file: file, maxPixels: maxPixels)
        case .png: return try PNG.decode(bytes, file: file, maxPixels: maxPixels)
        case nil:
            throw DatasetError(.unsupported, file: file, "not a JPEG or PNG image (deat decodes those two formats)",
                               hint: "convert it, or pass --skip-bad-images")
        }
    }

    /// Throws unless a `width` × `height` image is a real one within `maxPixels`.
    static func checkSize(width: Int, height: Int, maxPixels: Int, format: Format, file: String) throws {
        guard width > 0, height > 0 else {
            throw DatasetError(.badStructure, file: file, "\(format.rawValue) header gives a \(width)×\(height) image")
        }
        let (pixels, overflow) = width.multipliedReportingOverflow(by: height)
        guard !overflow, pixels <= maxPixels else {
            throw DatasetError(.tooLarge, file: file,
                               "\(format.rawValue) header claims \(width)×\(height) pixels, more than the limit of \(maxPixels)")
        }
    }
}
