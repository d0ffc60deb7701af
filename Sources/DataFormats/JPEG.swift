// JPEG: decoding through libjpeg-turbo's TurboJPEG API into 8-bit RGB, matching what PIL gives
// torchvision (docs/datasets.md §2): the same library family, the same defaults (accurate integer
// DCT, fancy upsampling), grey JPEGs repeated into three channels, CMYK and YCCK JPEGs read as
// Adobe-inverted CMYK (PIL's "assume adobe conventions") and turned into RGB with PIL's formula.
//
// Warnings: libjpeg reports damage it can work around as warnings. PIL ignores them all except the
// end of the data arriving early ("image file is truncated"), and so does deat: a truncated file is
// an error, "Corrupt JPEG data: N extraneous bytes" is not (ImageNet has such files).

import CTurboJPEG

enum JPEG {
    static func decode(_ bytes: [UInt8], file: String, maxPixels: Int) throws -> RGBImage {
        guard let handle = tjInitDecompress() else {
            throw DatasetError(.unreadable, file: file, "libjpeg-turbo could not start a decompressor")
        }
        defer { tjDestroy(handle) }
        return try bytes.withUnsafeBufferPointer { buffer in
            let (source, size) = (buffer.baseAddress!, UInt(buffer.count))
            var (width, height, subsampling, colorspace): (Int32, Int32, Int32, Int32) = (0, 0, 0, 0)
            guard tjDecompressHeader3(handle, source, size, &width, &height, &subsampling, &colorspace) == 0 else {
                throw DatasetError(.corrupt, file: file, "not a readable JPEG: \(message(handle))")
            }
            try ImageDecoder.checkSize(width: Int(width), height: Int(height), maxPixels: maxPixels, format: .jpeg, file: file)
            let cmyk = colorspace == Int32(TJCS_CMYK.rawValue) || colorspace == Int32(TJCS_YCCK.rawValue)
            let channels = cmyk ? 4 : 3
            let format = Int32((cmyk ? TJPF_CMYK : TJPF_RGB).rawValue)
            var out = [UInt8](repeating: 0, count: Int(width) * Int(height) * channels)
            // LIMITSCANS: refuse progressive files with more than 500 scans, which take minutes to
            // decode (a known denial of service); real encoders write about ten.
            func run(stopOnWarning: Bool) -> Int32 {
                out.withUnsafeMutableBufferPointer {
                    tjDecompress2(handle, source, size, $0.baseAddress, width, 0, height, format,
                                  TJFLAG_LIMITSCANS | (stopOnWarning ? TJFLAG_STOPONWARNING : 0))
                }
            }
            if run(stopOnWarning: true) != 0 {
                let text = message(handle)
                let warning = tjGetErrorCode(handle) == Int32(TJERR_WARNING.rawValue)
                guard warning, !isTruncation(text) else {
                    throw DatasetError(isTruncation(text) ? .truncated : .corrupt, file: file,
                                       isTruncation(text) ? "truncated JPEG: \(text)" : "corrupt JPEG: \(text)")
                }
                // A warning PIL would ignore: decode again, this time through to the end.
                if run(stopOnWarning: false) != 0 {
                    let again = message(handle)
                    guard tjGetErrorCode(handle) == Int32(TJERR_WARNING.rawValue), !isTruncation(again) else {
                        throw DatasetError(isTruncation(again) ? .truncated : .corrupt, file: file,
                                           isTruncation(again) ? "truncated JPEG: \(again)" : "corrupt JPEG: \(again)")
                    }
                }
            }
            let pixels = cmyk ? rgb(fromInvertedCMYK: out) : out
            return RGBImage(width: Int(width), height: Int(height), pixels: pixels)
        }
    }

    /// libjpeg's JWRN_JPEG_EOF and JERR_INPUT_EOF: the data ended before the image did.
    static func isTruncation(_ message: String) -> Bool {
        message.contains("Premature end") || message.contains("Empty input file")
    }

    /// TurboJPEG's message for the handle's last failure, on one line.
    static func message(_ handle: tjhandle) -> String {
        guard let text = tjGetErrorStr2(handle) else { return "unknown error" }
        return String(cString: text).split(whereSeparator: \.isNewline).joined(separator: " ")
    }

    /// PIL's `cmyk2rgb` on Adobe-inverted CMYK: each stored byte is 255 − ink; with nk = 255 − K,
    /// R = nk − C·nk/255 (PIL's rounded MULDIV255), likewise G from M and B from Y.
    static func rgb(fromInvertedCMYK stored: [UInt8]) -> [UInt8] {
        let count = stored.count / 4
        var rgb = [UInt8](repeating: 0, count: count * 3)
        func mulDiv255(_ a: Int, _ b: Int) -> Int {
            let t = a * b + 128
            return ((t >> 8) + t) >> 8
        }
        for p in 0..<count {
            let nk = Int(stored[4 * p + 3])  // 255 − K, as stored
            for c in 0..<3 {
                let ink = 255 - Int(stored[4 * p + c])
                rgb[3 * p + c] = UInt8(clamping: nk - mulDiv255(ink, nk))
            }
        }
        return rgb
    }
}
