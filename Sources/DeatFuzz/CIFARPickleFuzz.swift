// CIFARPickleFuzz.swift: the CIFAR pickle target: `Pickle.parse`, then `CIFARPickle.decode` as both
// variants. Seeds are CIFAR-10 and CIFAR-100 batches in each writer style; the generator varies every
// field of the batch (shape, dtype, Fortran flag, data length and its length operand, label lists),
// and the dictionary holds the opcodes of the subset plus a few outside it, with hostile operands.

import DataFormats

enum CIFARPickleFuzz {
    static func check(_ input: [UInt8]) -> Outcome {
        let value: PickleValue
        do {
            value = try Pickle.parse(input, file: "fuzz.pkl")
        } catch {
            return rejected(error, as: DatasetError.self)
        }
        return checkVariants(input) { try CIFARPickle.decode(value, variant: $0, file: "fuzz.pkl") }
    }

    /// A CIFAR-10 or (`cifar100`) CIFAR-100 batch of `rows` images in `style`.
    static func batch(style: PickleWriter.Style, rows: Int, cifar100: Bool, planarShape: Bool) -> Seed {
        var w = PickleWriter(style: style)
        let pixels = (0..<(rows * 3072)).map { UInt8(truncatingIfNeeded: $0 * 13 + 5) }
        let shape: [Int64] = planarShape ? [Int64(rows), 3, 32, 32] : [Int64(rows), 3072]
        func labels(_ step: Int, _ classes: Int) -> [Int64] { (0..<rows).map { Int64($0 * step % classes) } }
        let keyed: [(key: String, values: [Int64])] = cifar100
            ? [("fine_labels", labels(37, 100)), ("coarse_labels", labels(7, 20))]
            : [("labels", labels(3, 10))]
        w.batch(array: .init(shape: shape, data: pixels), labels: keyed)
        let bytes = w.finish()
        return Seed(bytes, fields: w.fields)
    }

    static let seeds: [Seed] = [
        batch(style: .python2, rows: 2, cifar100: false, planarShape: false),
        batch(style: .python2, rows: 1, cifar100: true, planarShape: true),
        batch(style: .python3p2, rows: 2, cifar100: false, planarShape: false),
        batch(style: .protocol4, rows: 2, cifar100: true, planarShape: false),
        batch(style: .protocol4, rows: 0, cifar100: false, planarShape: false),
    ]

    /// Opcodes with edge operands: huge lengths and memo indices, deep marks, forbidden globals.
    static let dictionary: [[UInt8]] = [
        [0x28], [0x74], [0x6C], [0x65], [0x75], [0x73], [0x61], [0x52], [0x62], [0x93], [0x94], [0x2E], [0x4E],
        [0x5D], [0x7D], [0x29], [0x85], [0x86], [0x87], [0x88], [0x89],
        [0x42, 0xFF, 0xFF, 0xFF, 0xFF], [0x58, 0xFF, 0xFF, 0xFF, 0x7F], [0x54, 0xFF, 0xFF, 0xFF, 0xFF],
        [0x54, 0x00, 0x0C, 0x00, 0x00], [0x55, 0xFF], [0x8C, 0xFF], [0x43, 0x05],
        [0x95, 0xFF, 0xFF, 0xFF, 0xFF, 0xFF, 0xFF, 0xFF, 0xFF], [0x72, 0xFF, 0xFF, 0xFF, 0xFF],
        [0x6A, 0xFF, 0xFF, 0xFF, 0xFF], [0x68, 0x00], [0x68, 0xFF], [0x71, 0x00], [0x8A, 0x09], [0x8A, 0x08],
        [0x8A, 0x00], [0x80, 0x05], [0x80, 0x09], Array("I99999999999999999999\n".utf8), Array("I01\n".utf8),
        Array("cos\nsystem\n".utf8), Array("cnumpy\ndtype\n".utf8), Array("c_codecs\nencode\n".utf8),
        Array("c__builtin__\nbytes\n".utf8), [UInt8](repeating: 0x28, count: 70), [UInt8](repeating: 0x5D, count: 70),
    ]

    /// A batch with every field drawn from valid and hostile values.
    static func generate(_ rng: inout SplitMix64) -> [UInt8] {
        let edge: [Int64] = [0, 1, 2, 3, 32, 1024, 3072, 3073, -1, 0x7FFF_FFFF, 0x8000_0000, 1_000_000,
                             1_000_000_000_000, .max, .min]
        let rows = rng.below(4)
        var spec = PickleWriter.ArraySpec(shape: rng.chance(50) ? [Int64(rows), 3072] : [Int64(rows), 3, 32, 32],
                                          data: (0..<(rows * 3072)).map { UInt8(truncatingIfNeeded: $0) })
        for _ in 0..<(1 + rng.below(3)) {
            switch rng.below(8) {
            case 0 where !spec.shape.isEmpty: spec.shape[rng.below(spec.shape.count)] = rng.pick(edge)
            case 1: spec.shape = (0..<rng.below(6)).map { _ in rng.pick(edge) }
            case 2: spec.dtype = rng.pick(["<f4", "|u1", "", "u2", "u1\u{0}", "\u{1F600}"])
            case 3: spec.fortran = rng.pick([1, -1, 2])
            case 4: spec.withVersion.toggle()
            case 5: spec.data.removeLast(min(spec.data.count, 1 + rng.below(3072)))
            case 6: spec.data += [UInt8](repeating: 7, count: 1 + rng.below(3072))
            default: spec.claimedCount = rng.pick([0, 1, spec.data.count + 1, 0x7FFF_FFFF, -1, 0xFFFF_FFFF])
            }
        }
        let labelCount = rng.chance(80) ? rows : rng.below(5)
        func labels(_ classes: Int) -> [Int64] {
            (0..<labelCount).map { _ in rng.chance(90) ? Int64(rng.below(classes)) : rng.pick(edge) }
        }
        let keyed: [(key: String, values: [Int64])] = rng.chance(50)
            ? [("labels", labels(10))]
            : [("fine_labels", labels(100)), ("coarse_labels", labels(20))]
        var w = PickleWriter(style: rng.pick(PickleWriter.Style.allCases))
        w.batch(array: spec, labels: keyed)
        if rng.chance(10) { w.get(rng.below(40)) }  // a memo reference left on the stack
        return w.finish()
    }
}
