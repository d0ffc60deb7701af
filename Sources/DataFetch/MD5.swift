// MD5.swift: the MD5 digest (RFC 1321), streaming. The dataset sites and torchvision publish MD5
// sums, so that is what a download is checked against (docs/datasets.md §6); it tells a damaged or
// wrong file from the published one, nothing security-related. Foundation on Linux has no digest
// API and MD5 is 60 lines, so deat carries its own rather than a crypto package.
//
//   var md5 = MD5(); md5.update(bytes); md5.hexDigest   // "9e107d9d372bb6826bd81d3542a419d6"
import Foundation

/// An MD5 computation fed in pieces of any size.
public struct MD5: Sendable {
    private var state: (UInt32, UInt32, UInt32, UInt32) = (0x6745_2301, 0xEFCD_AB89, 0x98BA_DCFE, 0x1032_5476)
    /// Bytes of an incomplete 64-byte block, kept until the next update completes it.
    private var pending: [UInt8] = []
    private var length: UInt64 = 0

    public init() { pending.reserveCapacity(64) }

    /// The digest of `data` in one call.
    public static func hex<D: DataProtocol>(_ data: D) -> String {
        var md5 = MD5()
        md5.update(data)
        return md5.hexDigest
    }

    /// Adds bytes to the message.
    public mutating func update<D: DataProtocol>(_ data: D) {
        length &+= UInt64(data.count)
        for region in data.regions {
            region.withUnsafeBytes { raw in
                var bytes = raw[...]
                if !pending.isEmpty {
                    let take = min(64 - pending.count, bytes.count)
                    pending += bytes.prefix(take)
                    bytes = bytes.dropFirst(take)
                    guard pending.count == 64 else { return }
                    let block = pending
                    block.withUnsafeBytes { compress($0) }
                    pending.removeAll(keepingCapacity: true)
                }
                while bytes.count >= 64 {
                    compress(UnsafeRawBufferPointer(rebasing: bytes.prefix(64)))
                    bytes = bytes.dropFirst(64)
                }
                pending += bytes
            }
        }
    }

    /// The digest as 32 lowercase hex digits, as published; the computation itself is not consumed.
    public var hexDigest: String {
        var copy = self
        let bitLength = length &* 8
        // 0x80, zeros up to 56 mod 64, then the message length in bits, little-endian (RFC 1321 §3.1-3.2).
        var tail: [UInt8] = [0x80] + [UInt8](repeating: 0, count: (55 - Int(length % 64) + 64) % 64)
        tail += (0..<8).map { UInt8(truncatingIfNeeded: bitLength >> (8 * $0)) }
        copy.update(tail)
        let words = [copy.state.0, copy.state.1, copy.state.2, copy.state.3]
        return words.flatMap { w in (0..<4).map { UInt8(truncatingIfNeeded: w >> (8 * $0)) } }
            .map { String(format: "%02x", $0) }.joined()
    }

    /// The per-round shift amounts and the sine-derived constants of RFC 1321 §3.4.
    private static let shifts: [UInt32] = [7, 12, 17, 22, 5, 9, 14, 20, 4, 11, 16, 23, 6, 10, 15, 21]
    private static let constants: [UInt32] = (0..<64).map { UInt32(truncatingIfNeeded: Int64(abs(sin(Double($0 + 1))) * 4_294_967_296)) }

    private mutating func compress(_ block: UnsafeRawBufferPointer) {
        var m = (UInt32(0), UInt32(0), UInt32(0), UInt32(0), UInt32(0), UInt32(0), UInt32(0), UInt32(0),
                 UInt32(0), UInt32(0), UInt32(0), UInt32(0), UInt32(0), UInt32(0), UInt32(0), UInt32(0))
        withUnsafeMutableBytes(of: &m) { words in
            for i in 0..<16 {
                words.storeBytes(of: UInt32(littleEndian: block.loadUnaligned(fromByteOffset: 4 * i, as: UInt32.self)),
                                 toByteOffset: 4 * i, as: UInt32.self)
            }
        }
        var (a, b, c, d) = state
        withUnsafeBytes(of: &m) { words in
            for i in 0..<64 {
                var f: UInt32, g: Int
                switch i / 16 {
                case 0: (f, g) = ((b & c) | (~b & d), i)
                case 1: (f, g) = ((d & b) | (~d & c), (5 * i + 1) % 16)
                case 2: (f, g) = (b ^ c ^ d, (3 * i + 5) % 16)
                default: (f, g) = (c ^ (b | ~d), (7 * i) % 16)
                }
                f = f &+ a &+ Self.constants[i] &+ words.load(fromByteOffset: 4 * g, as: UInt32.self)
                let s = Self.shifts[(i / 16) * 4 + i % 4]
                (a, d, c) = (d, c, b)
                b = b &+ (f << s | f >> (32 - s))
            }
        }
        state = (state.0 &+ a, state.1 &+ b, state.2 &+ c, state.3 &+ d)
    }
}
