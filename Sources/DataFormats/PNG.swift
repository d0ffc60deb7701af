// PNG: decoding through libspng into 8-bit RGB, matching PIL's `.convert('RGB')` (docs/datasets.md
// §2): palette images through their palette, grey repeated into three channels, alpha dropped (not
// composited), no gamma applied, 16-bit colour and grey+alpha samples cut to their high byte (PIL's
// "RGB;16B" and "LA;16B" raw modes). 16-bit grey is PIL's exception: it opens as a 32-bit integer
// image, and `.convert('RGB')` clips each value at 255 instead of scaling it; deat does the same,
// so that it sees what torchvision sees (docs/datasets.md §2 says when that matters).
//
// libspng is told the limits before it reads anything: sides and pixel count (the header is checked
// against `maxPixels` before the output is allocated) and the size of ancillary chunks, which a
// hostile file could otherwise make it buffer.

import CSpng

enum PNG {
    /// Largest ancillary chunk (text, ICC profile) libspng keeps, and all of them together.
    static let chunkLimit = 16 << 20
    static let chunkCacheLimit = 64 << 20

    static func decode(_ bytes: [UInt8], file: String, maxPixels: Int) throws -> RGBImage {
        guard let context = spng_ctx_new(0) else {
            throw DatasetError(.unreadable, file: file, "libspng could not start a decoder")
        }
        defer { spng_ctx_free(context) }
        return try bytes.withUnsafeBufferPointer { buffer in
            func check(_ code: Int32, _ doing: String) throws {
                guard code != 0 else { return }
                let text = spng_strerror(code).map { String(cString: $0) } ?? "error \(code)"
                let truncated = code == Int32(SPNG_IO_EOF.rawValue) || code == Int32(SPNG_EOF.rawValue)
                throw DatasetError(truncated ? .truncated : .corrupt, file: file,
                                   truncated ? "truncated PNG (\(doing)): \(text)" : "corrupt PNG (\(doing)): \(text)")
            }
            let side = UInt32(min(maxPixels, Int(Int32.max)))
            try check(spng_set_image_limits(context, side, side), "setting limits")
            try check(spng_set_chunk_limits(context, chunkLimit, chunkCacheLimit), "setting limits")
            try check(spng_set_png_buffer(context, buffer.baseAddress, buffer.count), "reading")
            var header = spng_ihdr()
            try check(spng_get_ihdr(context, &header), "reading the header")
            let (width, height) = (Int(header.width), Int(header.height))
            try ImageDecoder.checkSize(width: width, height: height, maxPixels: maxPixels, format: .png, file: file)
            // Grey (colour type 0) at 16 bits: its own samples, host-endian, then PIL's clip.
            let grey16 = header.color_type == 0 && header.bit_depth == 16
            let format = Int32(grey16 ? SPNG_FMT_PNG.rawValue : SPNG_FMT_RGB8.rawValue)
            let expected = (grey16 ? 2 : 3) * width * height
            var size = 0
            try check(spng_decoded_image_size(context, format, &size), "sizing the image")
            guard size == expected else {
                throw DatasetError(.badStructure, file: file, "libspng sizes a \(width)×\(height) image at \(size) bytes, not \(expected)")
            }
            var decoded = [UInt8](repeating: 0, count: size)
            try decoded.withUnsafeMutableBytes { out in
                try check(spng_decode_image(context, out.baseAddress, size, format, 0), "decoding")
            }
            guard grey16 else { return RGBImage(width: width, height: height, pixels: decoded) }
            var pixels = [UInt8](repeating: 0, count: 3 * width * height)
            decoded.withUnsafeBytes { raw in
                for (p, sample) in raw.bindMemory(to: UInt16.self).enumerated() {
                    let value = UInt8(clamping: sample)
                    (pixels[3 * p], pixels[3 * p + 1], pixels[3 * p + 2]) = (value, value, value)
                }
            }
            return RGBImage(width: width, height: height, pixels: pixels)
        }
    }
}
