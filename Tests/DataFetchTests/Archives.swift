// Archives.swift: the small dataset archives the download tests serve. MNIST-style ones are made
// here (IDX files in gzip, stored blocks); the CIFAR ones are DataFormatsTests' committed fixtures
// (cifar-10-python.tar.gz and cifar-100-python.tar.gz, made by scripts/fixtures/gen_datasets.py),
// served as published archives are. Checksums are computed here, never taken from the built-in table.
import DataFetch
import Foundation
import TestSupport

/// A file to serve: its published name and bytes.
struct Archive {
    let name: String
    let bytes: Data

    var file: DatasetSource.File { DatasetSource.File(name: name, md5: MD5.hex(bytes)) }
}

enum Archives {
    /// The four MNIST files of `train` and `test` images (28×28, labels i % 10), pixels from `seed`.
    static func mnist(train: Int = 6, test: Int = 4, seed: UInt8 = 7) -> [Archive] {
        func bigEndian(_ values: [UInt32]) -> [UInt8] {
            values.flatMap { v in (0..<4).reversed().map { UInt8(truncatingIfNeeded: v >> (8 * $0)) } }
        }
        var archives: [Archive] = []
        for (prefix, count) in [("train", train), ("t10k", test)] {
            let pixels = (0..<count * 784).map { UInt8(truncatingIfNeeded: $0 * 31 + Int(seed)) }
            let images = bigEndian([0x803, UInt32(count), 28, 28]) + pixels
            let labels = bigEndian([0x801, UInt32(count)]) + (0..<count).map { UInt8($0 % 10) }
            archives.append(Archive(name: "\(prefix)-images-idx3-ubyte.gz", bytes: gzip(images)))
            archives.append(Archive(name: "\(prefix)-labels-idx1-ubyte.gz", bytes: gzip(labels)))
        }
        // The order of torchvision's resources: train images, train labels, test images, test labels.
        return archives
    }

    /// A DataFormatsTests fixture tarball, e.g. "cifar10-tgz/cifar-10-python.tar.gz".
    static func fixture(_ path: String) throws -> Archive {
        let url = URL(fileURLWithPath: #filePath).deletingLastPathComponent().deletingLastPathComponent()
            .appendingPathComponent("DataFormatsTests/Fixtures").appendingPathComponent(path)
        return Archive(name: url.lastPathComponent, bytes: try Data(contentsOf: url))
    }

    /// `data` as a one-member gzip file of stored (uncompressed) deflate blocks (RFC 1951 §3.2.4, RFC 1952).
    static func gzip(_ data: [UInt8]) -> Data {
        var out: [UInt8] = [0x1f, 0x8b, 8, 0, 0, 0, 0, 0, 0, 255]
        var start = 0
        repeat {
            let end = min(start + 65535, data.count)
            let length = UInt16(end - start)
            out += [end == data.count ? 1 : 0, UInt8(length & 0xff), UInt8(length >> 8), UInt8(~length & 0xff), UInt8(~length >> 8)]
            out += data[start..<end]
            start = end
        } while start < data.count
        func littleEndian(_ v: UInt32) -> [UInt8] { (0..<4).map { UInt8(truncatingIfNeeded: v >> (8 * $0)) } }
        out += littleEndian(crc32(data)) + littleEndian(UInt32(truncatingIfNeeded: data.count))
        return Data(out)
    }

    /// CRC-32 (IEEE 802.3, reflected), bit by bit: the archives are a few kilobytes.
    static func crc32(_ data: [UInt8]) -> UInt32 {
        var crc: UInt32 = 0xffff_ffff
        for byte in data {
            crc ^= UInt32(byte)
            for _ in 0..<8 { crc = crc & 1 == 1 ? (crc >> 1) ^ 0xedb8_8320 : crc >> 1 }
        }
        return ~crc
    }
}

extension HTTPTestServer {
    /// Serves every archive under its name.
    func serve(_ archives: [Archive]) {
        for archive in archives { serve("/" + archive.name, .file(archive.bytes)) }
    }
}
