// IDXFuzz.swift: the IDX targets, plain and gzip-compressed, both through `IDX.parse`.
//
// `idx` mutates plain files, aiming at the magic, rank and dimension fields. `idx-gzip` mutates the
// IDX payload (its dimension fields especially) and then compresses it, so hostile headers reach the
// parser through a valid gzip stream; it also breaks the gzip layer itself: header flags and optional
// fields, the CRC and ISIZE trailer, a second member, trailing garbage, and bombs of zero runs.

import DataFormats

enum IDXFuzz {
    /// An unsigned-byte IDX file of `dimensions` whose element k is `k * 7`.
    static func file(_ dimensions: [Int]) -> [UInt8] {
        let count = dimensions.reduce(1, *)
        return [0, 0, 8, UInt8(dimensions.count)]
            + dimensions.flatMap { d in (0..<4).map { UInt8(truncatingIfNeeded: d >> (8 * (3 - $0))) } }
            + (0..<count).map { UInt8(truncatingIfNeeded: $0 * 7) }
    }

    /// Magic, type, rank, and the first bytes of each dimension field.
    static func fields(rank: Int) -> [Int] { [0, 2, 3] + (0..<rank).flatMap { [4 + 4 * $0, 6 + 4 * $0] } }

    static let shapes: [[Int]] = [[10], [3, 4, 5], [2, 1, 28, 28], [0, 7], [1]]

    static let plainSeeds: [Seed] = shapes.map { Seed(file($0), fields: fields(rank: $0.count)) }

    static let gzipSeeds: [Seed] = shapes.enumerated().map { i, shape in
        let header = i == 1 ? GzipWriter.Header(name: "t10k-images-idx3-ubyte", comment: "seed") : GzipWriter.Header()
        // Gzip fields: flags, then the last bytes of the stream, where CRC-32 and ISIZE sit.
        let gz = GzipWriter.compress(file(shape), stored: i == 3, header: header)
        return Seed(gz, fields: [3, 8, gz.count - 8, gz.count - 4])
    }

    static let dictionary: [[UInt8]] = [
        [0, 0, 8, 1], [0, 0, 8, 3], [0, 0, 8, 0], [0, 0, 8, 255], [0, 0, 0x0D, 2],
        [0x00, 0x0F, 0x42, 0x40], [0xFF, 0xFF, 0xFF, 0xFF], [0x7F, 0xFF, 0xFF, 0xFF], [0x1F, 0x8B, 0x08, 0x00],
    ]

    /// A plain IDX seed with hostile header fields, gzip-compressed, then possibly damaged as gzip.
    static func generateGzip(_ rng: inout SplitMix64) -> [UInt8] {
        let seed = rng.pick(plainSeeds)
        var payload = seed.bytes
        if rng.chance(80) {
            Mutator.mutate(&payload, rounds: 1 + rng.below(3), fields: seed.fields, dictionary: dictionary,
                           other: rng.pick(plainSeeds).bytes, rng: &rng)
        }
        if rng.chance(10) {  // a bomb: a valid header, then a long zero run that inflates ~1000:1
            payload += [UInt8](repeating: 0, count: 1 + rng.below(1 << 20))
        }
        let header = GzipWriter.Header(extra: rng.chance(20) ? [1, 2, 3] : nil, name: rng.chance(20) ? "x" : nil,
                                       comment: nil, headerCRC: rng.chance(10))
        var gz = GzipWriter.compress(payload, stored: rng.chance(30), header: header)
        switch rng.below(6) {
        case 0: gz[gz.count - 1 - rng.below(8)] ^= 1 << UInt8(rng.below(8))  // CRC or ISIZE damaged
        case 1: gz += GzipWriter.compress(rng.pick(plainSeeds).bytes)  // a second member
        case 2: gz += Mutator.filler(count: 1 + rng.below(16), from: gz, rng: &rng)  // trailing garbage
        case 3: gz[3] = UInt8(truncatingIfNeeded: rng.next())  // FLG bits set for fields that are not there
        default: break
        }
        return gz
    }

    static func check(_ input: [UInt8]) -> Outcome {
        do {
            let array = try IDX.parse(input, file: "fuzz.idx")
            guard array.bytes.count <= payloadBound(input) else {
                violation("\(array.bytes.count) bytes from a \(input.count)-byte input")
            }
            guard array.dimensions.reduce(1, *) == array.bytes.count else {
                violation("dimensions \(array.dimensions) with \(array.bytes.count) bytes")
            }
            return .parsed
        } catch {
            return rejected(error, as: DatasetError.self)
        }
    }
}
