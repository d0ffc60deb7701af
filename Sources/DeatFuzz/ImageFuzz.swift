// ImageFuzz.swift: the `jpeg` and `png` targets: `ImageDecoder.decode` (libjpeg-turbo, libspng) on
// mutated files. The decoders must throw DatasetError, never trap, and refuse dimensions past the
// pixel limit before allocating; what they return must be the size its header says.
//
// Seeds are encoded here by the same libraries (grey, RGB, 4:2:0, progressive, CMYK JPEGs; grey,
// RGB, RGBA, 16-bit PNGs), with their dimension fields marked for the mutator. PNG chunks carry a
// CRC, so byte mutations alone rarely get past it: the PNG generator mutates and then recomputes
// every chunk's CRC, so that hostile IHDR fields and damaged deflate data reach the decoder.

import CSpng
import CTurboJPEG
import DataFormats

enum ImageFuzz {
    /// The fuzz run's pixel limit: small, so a header claiming the limit still decodes quickly.
    static let maxPixels = 1 << 22

    static func check(_ input: [UInt8]) -> Outcome {
        do {
            let image = try ImageDecoder.decode(input, file: "fuzz.img", maxPixels: maxPixels)
            guard image.width * image.height <= maxPixels, image.pixels.count == 3 * image.width * image.height else {
                violation("a \(image.width)×\(image.height) image with \(image.pixels.count) bytes past the \(maxPixels)-pixel limit")
            }
            return .parsed
        } catch {
            return rejected(error, as: DatasetError.self)
        }
    }

    /// A `width` × `height` test picture of `channels` interleaved bytes per pixel.
    static func picture(width: Int, height: Int, channels: Int) -> [UInt8] {
        (0..<width * height * channels).map { UInt8(truncatingIfNeeded: ($0 / channels % width) * 7 + ($0 / (width * channels)) * 13 + $0 % channels * 50) }
    }

    // MARK: JPEG

    static let jpegSeeds: [Seed] = [
        jpeg(width: 16, height: 12, format: TJPF_RGB, subsampling: TJSAMP_420, flags: 0),
        jpeg(width: 9, height: 7, format: TJPF_GRAY, subsampling: TJSAMP_GRAY, flags: 0),
        jpeg(width: 17, height: 11, format: TJPF_RGB, subsampling: TJSAMP_444, flags: TJFLAG_PROGRESSIVE),
        jpeg(width: 8, height: 8, format: TJPF_CMYK, subsampling: TJSAMP_444, flags: 0),
    ]

    /// JPEG markers: SOI, SOF0/SOF2, DHT, DQT, SOS, EOI, APP14 "Adobe", restart markers.
    static let jpegDictionary: [[UInt8]] = [
        [0xFF, 0xD8], [0xFF, 0xC0], [0xFF, 0xC2], [0xFF, 0xC4], [0xFF, 0xDB], [0xFF, 0xDA], [0xFF, 0xD9],
        [0xFF, 0xEE], Array("Adobe".utf8), [0xFF, 0xD0], [0xFF, 0xDD], [0xFF, 0xFF], [0xFF, 0x00],
    ]

    static func jpeg(width: Int, height: Int, format: TJPF, subsampling: TJSAMP, flags: Int32) -> Seed {
        let channels = format == TJPF_GRAY ? 1 : format == TJPF_CMYK ? 4 : 3
        let source = picture(width: width, height: height, channels: channels)
        guard let handle = tjInitCompress() else { fatalError("libjpeg-turbo could not start a compressor") }
        defer { tjDestroy(handle) }
        var buffer: UnsafeMutablePointer<UInt8>?
        var size: UInt = 0
        let status = source.withUnsafeBufferPointer {
            tjCompress2(handle, $0.baseAddress, Int32(width), 0, Int32(height), Int32(format.rawValue), &buffer, &size,
                        Int32(subsampling.rawValue), 90, flags)
        }
        guard status == 0, let buffer else { fatalError("libjpeg-turbo could not encode a seed") }
        defer { tjFree(buffer) }
        let bytes = Array(UnsafeBufferPointer(start: buffer, count: Int(size)))
        // The frame header's height and width (SOF: FF Cx, length, precision, height, width).
        let sof = (0..<bytes.count - 9).first { bytes[$0] == 0xFF && (bytes[$0 + 1] == 0xC0 || bytes[$0 + 1] == 0xC2) } ?? 0
        return Seed(bytes, fields: [sof + 5, sof + 6, sof + 7, sof + 8, sof + 4])
    }

    // MARK: PNG

    static let pngSeeds: [Seed] = [
        png(width: 7, height: 5, bitDepth: 8, colourType: 2),
        png(width: 6, height: 9, bitDepth: 8, colourType: 0),
        png(width: 5, height: 4, bitDepth: 8, colourType: 6),
        png(width: 4, height: 3, bitDepth: 16, colourType: 0),
        png(width: 3, height: 3, bitDepth: 16, colourType: 2),
    ]

    /// Chunk names, colour types and bit depths, and lengths at the limits.
    static let pngDictionary: [[UInt8]] = [
        Array("IHDR".utf8), Array("IDAT".utf8), Array("IEND".utf8), Array("PLTE".utf8), Array("tRNS".utf8),
        Array("iCCP".utf8), Array("zTXt".utf8), [0, 0, 0, 0], [0x7F, 0xFF, 0xFF, 0xFF], [0xFF, 0xFF, 0xFF, 0xFF],
        [1], [2], [3], [4], [6], [16], [0x78, 0x9C],
    ]

    static func png(width: Int, height: Int, bitDepth: UInt8, colourType: UInt8) -> Seed {
        let channels = [0: 1, 2: 3, 4: 2, 6: 4][Int(colourType)] ?? 1
        let source = picture(width: width, height: height, channels: channels * Int(bitDepth) / 8)
        guard let context = spng_ctx_new(Int32(SPNG_CTX_ENCODER.rawValue)) else { fatalError("libspng could not start an encoder") }
        defer { spng_ctx_free(context) }
        spng_set_option(context, SPNG_ENCODE_TO_BUFFER, 1)
        var header = spng_ihdr(width: UInt32(width), height: UInt32(height), bit_depth: bitDepth, color_type: colourType,
                               compression_method: 0, filter_method: 0, interlace_method: 0)
        spng_set_ihdr(context, &header)
        let status = source.withUnsafeBytes {
            spng_encode_image(context, $0.baseAddress, $0.count, Int32(SPNG_FMT_PNG.rawValue), Int32(SPNG_ENCODE_FINALIZE.rawValue))
        }
        var size = 0
        var error: Int32 = 0
        guard status == 0, let buffer = spng_get_png_buffer(context, &size, &error) else { fatalError("libspng could not encode a seed") }
        defer { free(buffer) }
        let bytes = Array(UnsafeRawBufferPointer(start: buffer, count: size))
        // IHDR's width, height, bit depth and colour type, and the first IDAT's length.
        return Seed(bytes, fields: [16, 18, 20, 22, 24, 25, 33])
    }

    /// A PNG seed, mutated, with every chunk's CRC made right again most of the time.
    static func generatePNG(_ rng: inout SplitMix64) -> [UInt8] {
        let seed = rng.pick(pngSeeds)
        var bytes = seed.bytes
        Mutator.mutate(&bytes, rounds: 1 + rng.below(3), fields: seed.fields, dictionary: pngDictionary,
                       other: rng.pick(pngSeeds).bytes, rng: &rng)
        if rng.chance(85) { fixChunkCRCs(&bytes) }
        return bytes
    }

    /// Recomputes the CRC of every whole chunk after the signature, as far as the lengths lead.
    static func fixChunkCRCs(_ bytes: inout [UInt8]) {
        var offset = 8
        while offset + 12 <= bytes.count {
            let length = bytes[offset..<offset + 4].reduce(0) { $0 << 8 | Int($1) }
            let end = offset + 8 + length
            guard length >= 0, end + 4 <= bytes.count else { return }
            let crc = crc32(bytes[offset + 4..<end])
            bytes.replaceSubrange(end..<end + 4, with: (0..<4).map { UInt8(truncatingIfNeeded: crc >> (24 - 8 * $0)) })
            offset = end + 4
        }
    }

    static func crc32(_ bytes: ArraySlice<UInt8>) -> UInt32 {
        var crc: UInt32 = 0xFFFF_FFFF
        for byte in bytes {
            crc ^= UInt32(byte)
            for _ in 0..<8 { crc = crc & 1 == 1 ? (crc >> 1) ^ 0xEDB8_8320 : crc >> 1 }
        }
        return crc ^ 0xFFFF_FFFF
    }
}
