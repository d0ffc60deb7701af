// Pickle+Operands: the operand readers of the strict unpickler (Pickle.swift).
//
// Every length read from the stream is checked against the bytes left before anything is sliced or
// allocated, which is what keeps a hostile length (say 2^32 - 1) from reading outside the file.
//
//   let length = Int(try unsigned(4)); let body = try take(length)   // throws `truncated` if short

import Foundation

extension Unpickler {
    mutating func byte() throws -> UInt8 { try take(1).first! }

    mutating func take(_ count: Int) throws -> ArraySlice<UInt8> {
        guard count >= 0, count <= bytes.count - position else {
            throw fail(.truncated, "truncated pickle: \(count) bytes needed, \(bytes.count - position) left")
        }
        defer { position += count }
        return bytes[position..<position + count]
    }

    /// A little-endian unsigned integer of `count` (≤ 8) bytes.
    mutating func unsigned(_ count: Int) throws -> UInt64 {
        try take(count).reversed().reduce(0) { ($0 << 8) | UInt64($1) }
    }

    mutating func bigEndian64() throws -> UInt64 { try take(8).reduce(0) { ($0 << 8) | UInt64($1) } }

    /// LONG1: a little-endian two's-complement integer of up to 8 bytes.
    mutating func long1() throws -> Int64 {
        let count = Int(try byte())
        guard count <= 8 else { throw fail(.unsupported, "integer of \(count) bytes is too large") }
        guard count > 0 else { return 0 }
        let raw = try unsigned(count)
        let shift = UInt64(64 - 8 * count)
        return Int64(bitPattern: raw << shift) >> Int64(shift)  // sign-extend
    }

    mutating func textInt() throws -> PickleValue {
        switch try line() {
        case "00": return .bool(false)
        case "01": return .bool(true)
        case let text: guard let value = Int64(text) else { throw fail(.badStructure, "bad INT operand") }; return .int(value)
        }
    }

    /// A newline-terminated ASCII operand (GLOBAL, INT), at most 256 bytes.
    mutating func line() throws -> String {
        let window = bytes[position..<min(bytes.count, position + 257)]
        guard let end = window.firstIndex(of: 0x0a) else { throw fail(.truncated, "unterminated pickle text operand") }
        let text = try utf8(take(end - position))
        position += 1
        return text
    }

    func utf8(_ slice: ArraySlice<UInt8>) throws -> String {
        // Decoding repairs invalid sequences, so the text is valid exactly when its bytes are unchanged.
        var text = String(decoding: slice, as: UTF8.self)
        let same = text.withUTF8 { decoded in
            slice.withUnsafeBufferPointer { original in
                decoded.count == original.count
                    && (decoded.isEmpty || memcmp(decoded.baseAddress!, original.baseAddress!, decoded.count) == 0)
            }
        }
        guard same else { throw fail(.badStructure, "pickle string is not valid UTF-8") }
        return text
    }

    /// Code points 0...255 back to bytes, read straight from UTF-8 (one or two bytes each).
    func latin1(_ text: String) -> [UInt8]? {
        var text = text
        return text.withUTF8 { units -> [UInt8]? in
            var out = [UInt8](repeating: 0, count: units.count)
            var count = 0
            let ok = out.withUnsafeMutableBufferPointer { out -> Bool in
                var i = 0
                while i < units.count {
                    let unit = units[i]
                    if unit < 0x80 {
                        out[count] = unit
                        i += 1
                    } else if (unit == 0xc2 || unit == 0xc3) && i + 1 < units.count {
                        out[count] = ((unit & 0x03) << 6) | (units[i + 1] & 0x3f)
                        i += 2
                    } else {
                        return false  // a code point above U+00FF
                    }
                    count += 1
                }
                return true
            }
            guard ok else { return nil }
            out.removeLast(out.count - count)
            return out
        }
    }
}
