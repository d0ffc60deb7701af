// Shared helpers for DataFormatsTests: fixture paths, the fixtures' pixel/label formulas, temporary folders,
// and tiny writers for tar archives and Python-2-style CIFAR pickles, so bad inputs are built in-test.
//
// The formulas mirror scripts/fixtures/gen_datasets.py (regenerate the fixtures with it).

import Foundation
import Testing
import DataFormats

/// The committed fixture folder (Tests/DataFormatsTests/Fixtures), copied into the test bundle.
let fixtures: URL = Bundle.module.url(forResource: "Fixtures", withExtension: nil)!

func fixture(_ path: String) -> URL { fixtures.appendingPathComponent(path) }

func fixtureBytes(_ path: String) throws -> [UInt8] { [UInt8](try Data(contentsOf: fixture(path))) }

/// Pixel byte `byte` of record `record` in a fixture file with `seed` (gen_datasets.py `pixels`).
func expectedPixels(seed: Int, count: Int, size: Int) -> [UInt8] {
    (0..<count).flatMap { r in (0..<size).map { b in UInt8((seed * 101 + r * 37 + b * 13) % 256) } }
}

func cifar10Labels(seed: Int, count: Int) -> [Int64] { (0..<count).map { Int64((3 * seed + $0) % 10) } }

func cifar100Fine(seed: Int, count: Int) -> [Int64] { (0..<count).map { Int64((7 * seed + 11 * $0) % 100) } }

/// A fresh temporary folder, removed after `body`.
func withTemporaryDirectory<T>(_ body: (URL) throws -> T) throws -> T {
    let url = FileManager.default.temporaryDirectory.appendingPathComponent("deat-datasets-\(UUID().uuidString)")
    try FileManager.default.createDirectory(at: url, withIntermediateDirectories: true)
    defer { try? FileManager.default.removeItem(at: url) }
    return try body(url)
}

/// Writes `bytes` to `folder/name` (creating subfolders) and returns the URL.
@discardableResult
func write(_ bytes: [UInt8], to folder: URL, _ name: String) throws -> URL {
    let url = folder.appendingPathComponent(name)
    try FileManager.default.createDirectory(at: url.deletingLastPathComponent(), withIntermediateDirectories: true)
    try Data(bytes).write(to: url)
    return url
}

/// Expects `body` to throw a DatasetError of `kind` whose one-line description contains `fragment`.
@discardableResult
func expectDatasetError(_ kind: DatasetError.Kind, mentioning fragment: String,
                        sourceLocation: SourceLocation = #_sourceLocation,
                        _ body: () throws -> Void) -> DatasetError? {
    let error = #expect(throws: DatasetError.self, sourceLocation: sourceLocation) { try body() }
    let text = error.map { "\($0)" } ?? "no error"
    #expect(error?.kind == kind, "\(text)", sourceLocation: sourceLocation)
    #expect(text.contains(fragment), "\(text)", sourceLocation: sourceLocation)
    #expect(!text.contains("\n"), "one line: \(text)", sourceLocation: sourceLocation)
    return error
}

/// A plain ustar archive of regular files (checksums computed as tar does).
func tarArchive(_ members: [(name: String, data: [UInt8])], prefix: String = "") -> [UInt8] {
    var out: [UInt8] = []
    for (name, data) in members {
        var header = [UInt8](repeating: 0, count: 512)
        func put(_ text: String, at offset: Int) { header.replaceSubrange(offset..<offset + text.utf8.count, with: text.utf8) }
        put(name, at: 0)
        put("0000644", at: 100)
        put("0000000", at: 108)
        put("0000000", at: 116)
        put(String(format: "%011o", data.count), at: 124)
        put("00000000000", at: 136)
        put("        ", at: 148)
        header[156] = UInt8(ascii: "0")
        put("ustar", at: 257)
        put("00", at: 263)
        if !prefix.isEmpty { put(prefix, at: 345) }
        let sum = header.reduce(0) { $0 + Int($1) }
        put(String(format: "%06o", sum), at: 148)
        header[154] = 0
        out += header + data + [UInt8](repeating: 0, count: (512 - data.count % 512) % 512)
    }
    return out + [UInt8](repeating: 0, count: 1024)
}

/// A CIFAR batch pickled the way Python 2 cPickle wrote the published files (protocol 2, BINSTRING data).
func py2CIFARPickle(shape: [Int], raw: [UInt8], labels: [Int], labelKey: String = "labels",
                    dtype: String = "u1") -> [UInt8] {
    func short(_ text: String) -> [UInt8] { [0x55, UInt8(text.utf8.count)] + Array(text.utf8) }
    func int(_ value: Int) -> [UInt8] {
        value < 256 ? [0x4b, UInt8(value)] : [0x4d, UInt8(value & 0xff), UInt8(value >> 8)]
    }
    func le32(_ value: Int) -> [UInt8] { (0..<4).map { UInt8((value >> (8 * $0)) & 0xff) } }
    var p: [UInt8] = [0x80, 0x02, 0x7d, 0x28]  // PROTO 2, EMPTY_DICT, MARK
    p += short("data") + Array("cnumpy.core.multiarray\n_reconstruct\ncnumpy\nndarray\n".utf8)
    p += int(0) + [0x85] + short("b") + [0x87, 0x52]  // (ndarray, (0,), 'b') REDUCE
    p += [0x28] + int(1) + [0x28] + shape.flatMap(int) + [0x74]  // MARK 1 (shape...)
    p += Array("cnumpy\ndtype\n".utf8) + short(dtype) + int(0) + int(1) + [0x87, 0x52]
    p += [0x28] + int(3) + short("|") + [0x4e, 0x4e, 0x4e, 0x4a, 0xff, 0xff, 0xff, 0xff, 0x4a, 0xff, 0xff, 0xff, 0xff]
    p += int(0) + [0x74, 0x62]  // dtype state TUPLE, BUILD
    p += [0x89, 0x54] + le32(raw.count) + raw + [0x74, 0x62]  // False, BINSTRING raw; TUPLE, BUILD
    p += short(labelKey) + [0x5d, 0x28] + labels.flatMap(int) + [0x65]  // [labels...]
    return p + [0x75, 0x2e]  // SETITEMS, STOP
}
