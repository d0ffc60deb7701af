// Mutator.swift: the seeded byte-level mutations every fuzz target shares.
//
// Input i of a run is a pure function of (run seed, i): a worker that dies on input i is restarted at
// i + 1 and produces exactly the inputs an uninterrupted run would have, and any input can be rebuilt.
// The operators aim at what breaks binary parsers: integer fields overwritten with edge values (at the
// offsets a format keeps its sizes, and anywhere), truncation at every length class, grown or duplicated
// chunks, format tokens inserted, and two seeds spliced.
//
//   var rng = SplitMix64(seed: 7, index: 42)
//   Mutator.mutate(&bytes, fields: seed.fields, dictionary: target.dictionary, other: other.bytes, rng: &rng)

/// SplitMix64 (Steele, Lea, Flood 2014): tiny, fast, and fully determined by its state.
struct SplitMix64: RandomNumberGenerator {
    var state: UInt64

    init(state: UInt64) { self.state = state }

    /// The generator of input `index` in run `seed`; neighbouring indices give unrelated streams.
    init(seed: UInt64, index: Int) {
        var mixer = SplitMix64(state: seed ^ 0xD1B5_4A32_D192_ED03)
        state = mixer.next() ^ (UInt64(truncatingIfNeeded: index) &* 0x9E37_79B9_7F4A_7C15)
        _ = next()
    }

    mutating func next() -> UInt64 {
        state &+= 0x9E37_79B9_7F4A_7C15
        var z = state
        z = (z ^ (z >> 30)) &* 0xBF58_476D_1CE4_E5B9
        z = (z ^ (z >> 27)) &* 0x94D0_49BB_1331_11EB
        return z ^ (z >> 31)
    }

    /// Uniform in `0..<n`; `n` must be positive.
    mutating func below(_ n: Int) -> Int { Int(next() % UInt64(n)) }

    /// True with probability `percent`/100.
    mutating func chance(_ percent: Int) -> Bool { below(100) < percent }

    mutating func pick<T>(_ items: [T]) -> T { items[below(items.count)] }
}

/// One seed file and the offsets of its integer fields (sizes, lengths, counts).
struct Seed: Sendable {
    let bytes: [UInt8]
    let fields: [Int]

    init(_ bytes: [UInt8], fields: [Int] = []) {
        self.bytes = bytes
        self.fields = fields
    }
}

/// Byte values on the edges parsers get wrong: zero, one, the sign bits, all ones, and separators.
let interestingBytes: [UInt8] = [0x00, 0x01, 0x7F, 0x80, 0xFF, 0x20, 0x0A, 0x30]

/// Integer values on the edges of 8/16/32/64-bit fields, plus the 10^6 and 10^12 of "huge header" claims.
let interestingIntegers: [UInt64] = [
    0, 1, 2, 3, 7, 8, 0x7F, 0x80, 0xFF, 0x100, 0x200, 0xC00, 0x7FFF, 0x8000, 0xFFFF, 0x1_0000,
    1_000_000, 0x7FFF_FFFF, 0x8000_0000, 0xFFFF_FFFF, 0x1_0000_0000, 1_000_000_000_000,
    0x7FFF_FFFF_FFFF_FFFF, 0x8000_0000_0000_0000, .max - 1, .max,
]

/// Inputs are cut to this size (the crash record has room for exactly this much).
let maxInputSize = 1 << 22

enum Mutator {
    /// Applies `rounds` (at least one) random operators to `bytes` in place.
    static func mutate(_ bytes: inout [UInt8], rounds: Int, fields: [Int], dictionary: [[UInt8]], other: [UInt8],
                       rng: inout SplitMix64) {
        for _ in 0..<max(1, rounds) {
            step(&bytes, fields: fields, dictionary: dictionary, other: other, rng: &rng)
        }
    }

    // Picks one operator; each case is a different way real files go wrong.
    private static func step(_ bytes: inout [UInt8], fields: [Int], dictionary: [[UInt8]], other: [UInt8],
                             rng: inout SplitMix64) {
        switch rng.below(11) {
        case 0:  // bit flip
            guard !bytes.isEmpty else { return }
            bytes[rng.below(bytes.count)] ^= 1 << UInt8(rng.below(8))
        case 1:  // a byte set to an edge value
            guard !bytes.isEmpty else { return }
            bytes[rng.below(bytes.count)] = rng.pick(interestingBytes)
        case 2:  // a random byte
            guard !bytes.isEmpty else { return }
            bytes[rng.below(bytes.count)] = UInt8(truncatingIfNeeded: rng.next())
        case 3, 4:  // an integer field overwritten: at a known field offset most of the time
            let offset = !fields.isEmpty && rng.chance(75)
                ? rng.pick(fields) : (bytes.isEmpty ? 0 : rng.below(bytes.count))
            overwriteInteger(&bytes, at: offset, rng: &rng)
        case 5:  // truncation
            bytes.removeLast(bytes.count - truncationLength(bytes.count, rng: &rng))
        case 6:  // extension at the end or inside
            let chunk = filler(count: growthLength(bytes.count, rng: &rng), from: bytes, rng: &rng)
            bytes.insert(contentsOf: chunk, at: rng.chance(50) ? bytes.count : rng.below(bytes.count + 1))
        case 7:  // a chunk of the input duplicated elsewhere
            guard !bytes.isEmpty else { return }
            let start = rng.below(bytes.count)
            let end = min(bytes.count, start + growthLength(bytes.count - start, rng: &rng))
            bytes.insert(contentsOf: Array(bytes[start..<end]), at: rng.below(bytes.count + 1))
        case 8:  // a chunk removed
            guard !bytes.isEmpty else { return }
            let start = rng.below(bytes.count)
            bytes.removeSubrange(start..<min(bytes.count, start + 1 + rng.below(min(64, bytes.count - start))))
        case 9:  // a format token inserted or written over
            guard !dictionary.isEmpty else { return }
            let token = rng.pick(dictionary)
            let at = rng.below(bytes.count + 1)
            if rng.chance(50) {
                bytes.insert(contentsOf: token, at: at)
            } else {
                bytes.replaceSubrange(at..<min(bytes.count, at + token.count), with: token)
            }
        default:  // splice: the head of this input, the tail of another seed
            guard !other.isEmpty else { return }
            let head = rng.below(bytes.count + 1)
            bytes = Array(bytes[..<head]) + other[rng.below(other.count)...]
        }
    }

    /// Writes an edge value (sometimes nudged by ±1..3) as a 1/2/4/8-byte integer, either byte order.
    static func overwriteInteger(_ bytes: inout [UInt8], at offset: Int, rng: inout SplitMix64) {
        var value = rng.chance(85) ? rng.pick(interestingIntegers) : UInt64(bytes.count * (1 + rng.below(4)))
        if rng.chance(20) { value = rng.chance(50) ? value &+ UInt64(1 + rng.below(3)) : value &- UInt64(1 + rng.below(3)) }
        let width = rng.pick([1, 2, 4, 4, 8])
        let bigEndian = rng.chance(50)
        for i in 0..<width where offset + i < bytes.count {
            let shift = UInt64(8 * (bigEndian ? width - 1 - i : i))
            bytes[offset + i] = UInt8(truncatingIfNeeded: value >> shift)
        }
    }

    /// A cut point from one of the length classes: empty, a few bytes, inside a header, near the end, anywhere.
    static func truncationLength(_ count: Int, rng: inout SplitMix64) -> Int {
        guard count > 0 else { return 0 }
        switch rng.below(5) {
        case 0: return min(count, rng.below(9))
        case 1: return min(count, rng.below(600))
        case 2: return count - 1
        case 3: return max(0, count - 1 - rng.below(16))
        default: return rng.below(count)
        }
    }

    /// A growth length from one of the classes: a byte, a word, a tar block, a CIFAR record, the input's size.
    static func growthLength(_ count: Int, rng: inout SplitMix64) -> Int {
        rng.pick([1, 4, 8, 512, 3073, 1 + rng.below(64), 1 + rng.below(max(1, count))])
    }

    /// `count` bytes of zeros, 0xFF, random bytes, or a copy from `source`.
    static func filler(count: Int, from source: [UInt8], rng: inout SplitMix64) -> [UInt8] {
        switch rng.below(4) {
        case 0: return [UInt8](repeating: 0, count: count)
        case 1: return [UInt8](repeating: 0xFF, count: count)
        case 2: return (0..<count).map { _ in UInt8(truncatingIfNeeded: rng.next()) }
        default:
            guard !source.isEmpty else { return [UInt8](repeating: 0, count: count) }
            let start = rng.below(source.count)
            return Array(source[start..<min(source.count, start + count)])
        }
    }
}
