// ImageDecoderTests: deat's JPEG (libjpeg-turbo) and PNG (libspng) decoding against what PIL's
// `.convert('RGB')` made of the same files (scripts/fixtures/gen_image_folder.py wrote both), and
// the bad files each decoder must refuse with one line naming the file.

import Foundation
import Testing
import DataFormats

/// One image of the fixture tree as PIL decoded it.
struct PILImage: Decodable {
    let mode: String
    let height: Int
    let width: Int
    let rgb: String  // hex, HWC

    var bytes: [UInt8] {
        var out: [UInt8] = []
        out.reserveCapacity(rgb.utf8.count / 2)
        var high: UInt8?
        for c in rgb.utf8 {
            let v = c <= 57 ? c - 48 : c - 87
            if let h = high { out.append(h << 4 | v); high = nil } else { high = v }
        }
        return out
    }
}

/// torchvision ImageFolder's view of one split, and PIL's pixels of each of its images.
struct ExpectedSplit: Decodable {
    let classes: [String]
    let samples: [[Sample]]
    let images: [String: PILImage]

    enum Sample: Decodable {
        case path(String), index(Int)
        init(from decoder: any Decoder) throws {
            let c = try decoder.singleValueContainer()
            if let i = try? c.decode(Int.self) { self = .index(i) } else { self = .path(try c.decode(String.self)) }
        }
    }

    var paths: [String] { samples.map { if case .path(let p) = $0[0] { p } else { "" } } }
    var labels: [Int] { samples.map { if case .index(let i) = $0[1] { i } else { -1 } } }
}

func expectedFolder() throws -> [String: ExpectedSplit] {
    try JSONDecoder().decode([String: ExpectedSplit].self, from: Data(contentsOf: fixture("image-folder/expected.json")))
}

@Suite("JPEG and PNG decoding")
struct ImageDecoderTests {
    @Test("every fixture image decodes to PIL's .convert('RGB') pixels within ±1 (JPEG, PNG, grey, RGBA, LA, palette, CMYK, 16-bit, progressive)")
    func matchesPIL() throws {
        var modes = Set<String>()
        for split in ["train", "val"] {
            let expected = try #require(try expectedFolder()[split])
            try #require(expected.images.count >= 12, "the fixture lists \(expected.images.count) images")
            for (path, pil) in expected.images.sorted(by: { $0.key < $1.key }) {
                let image = try ImageDecoder.decode(contentsOf: fixture("image-folder/\(split)/\(path)"))
                #expect(image.width == pil.width && image.height == pil.height, "\(split)/\(path)")
                let want = pil.bytes
                guard image.pixels.count == want.count else { Issue.record("\(split)/\(path): size"); continue }
                let worst = zip(image.pixels, want).map { abs(Int($0) - Int($1)) }.max() ?? 0
                #expect(worst <= 1, "\(split)/\(path) (PIL mode \(pil.mode)) differs by up to \(worst)")
                modes.insert(pil.mode)
            }
        }
        #expect(modes.isSuperset(of: ["RGB", "L", "RGBA", "LA", "P", "CMYK", "I"]), "modes covered: \(modes.sorted())")
    }

    @Test("corrupt, truncated, zero-byte and non-image files are refused with one line naming the file")
    func badFiles() throws {
        let cases: [(String, DatasetError.Kind, String)] = [
            ("truncated.jpg", .truncated, "truncated JPEG"),
            ("truncated.png", .truncated, "truncated PNG"),
            ("corrupt-header.jpg", .corrupt, "JPEG"),
            ("bad-crc.png", .corrupt, "corrupt PNG"),
            ("empty.png", .truncated, "empty file"),
            ("text.jpg", .unsupported, "not a JPEG or PNG"),
        ]
        for (name, kind, fragment) in cases {
            let url = fixture("image-bad/\(name)")
            try #require(FileManager.default.fileExists(atPath: url.path), "missing fixture \(name)")
            let error = expectDatasetError(kind, mentioning: fragment) { _ = try ImageDecoder.decode(contentsOf: url) }
            #expect(error?.file == url.path, "\(name)")
        }
        expectDatasetError(.missingFile, mentioning: "no such file") {
            _ = try ImageDecoder.decode(contentsOf: fixture("image-bad/absent.png"))
        }
    }

    @Test("absurd dimensions are refused from the header, before the pixels are allocated")
    func absurdDimensions() throws {
        // A PNG header claiming 65535 × 65535 pixels (4.3 billion; 12.9 GB as RGB), then nothing.
        var png: [UInt8] = [0x89, 0x50, 0x4E, 0x47, 0x0D, 0x0A, 0x1A, 0x0A, 0, 0, 0, 13, 0x49, 0x48, 0x44, 0x52]
        let ihdr: [UInt8] = [0x49, 0x48, 0x44, 0x52, 0, 0, 0xFF, 0xFF, 0, 0, 0xFF, 0xFF, 8, 2, 0, 0, 0]
        png += ihdr[4...] + crc32(ihdr)
        expectDatasetError(.tooLarge, mentioning: "65535×65535") { _ = try ImageDecoder.decode(png, file: "huge.png") }
        // The fixture JPEG's frame header rewritten to 65500 × 65500.
        var jpeg = try fixtureBytes("image-folder/train/ant/rgb.jpg")
        let sof = try #require((0..<jpeg.count - 9).first { jpeg[$0] == 0xFF && jpeg[$0 + 1] == 0xC0 })
        jpeg.replaceSubrange(sof + 5..<sof + 9, with: [0xFF, 0xDC, 0xFF, 0xDC])
        expectDatasetError(.tooLarge, mentioning: "65500×65500") { _ = try ImageDecoder.decode(jpeg, file: "huge.jpg") }
        // A small limit applies to real images too.
        expectDatasetError(.tooLarge, mentioning: "40×30") {
            _ = try ImageDecoder.decode(contentsOf: fixture("image-folder/train/ant/rgb.jpg"), maxPixels: 1000)
        }
    }
}

/// zlib's CRC-32 of `bytes`, big-endian, as PNG chunks end.
func crc32(_ bytes: [UInt8]) -> [UInt8] {
    var crc: UInt32 = 0xFFFF_FFFF
    for byte in bytes {
        crc ^= UInt32(byte)
        for _ in 0..<8 { crc = crc & 1 == 1 ? (crc >> 1) ^ 0xEDB8_8320 : crc >> 1 }
    }
    crc ^= 0xFFFF_FFFF
    return [UInt8(crc >> 24), UInt8(crc >> 16 & 0xFF), UInt8(crc >> 8 & 0xFF), UInt8(crc & 0xFF)]
}
