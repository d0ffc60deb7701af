// Tar: finds named members of a ustar / GNU tar archive, plain or gzip-compressed, in one streaming pass.
//
// Enough of POSIX.1-1988 ustar and GNU tar to read dataset tarballs such as cifar-10-python.tar.gz:
// 512-byte headers with octal (or GNU base-256) sizes, the header checksum verified, ustar `prefix`,
// GNU long names ('L') and pax `path` records ('x'). Members that are not wanted are skipped without
// being kept, so only the wanted members cost memory, each capped by `memberLimit`.
//
//   let members = try Tar.extract(["cifar-10-batches-py/test_batch"], from: tarball, memberLimit: 256 << 20)

import Foundation

/// Reader for tar archives (.tar, .tar.gz, .tgz; compression detected from the content).
public enum Tar {
    /// Extracts the regular-file members whose names are in `names` (a leading "./" in the archive is ignored).
    /// - Parameters:
    ///   - names: the member paths wanted, e.g. `cifar-10-batches-py/data_batch_1`.
    ///   - url: the archive, gzip-compressed or not.
    ///   - memberLimit: the largest acceptable member; a bigger wanted member throws `tooLarge`.
    /// - Returns: the contents of every wanted member, keyed by the requested name.
    /// - Throws: `DatasetError` with kind `memberMissing` naming `archive:member` when one is absent.
    public static func extract(_ names: [String], from url: URL, memberLimit: Int) throws -> [String: [UInt8]] {
        // The whole archive may inflate to the wanted members plus the ones skipped; cap it generously.
        let (reader, _) = try openByteReader(url, outputLimit: 1 << 40)
        return try extract(names, from: reader, file: url.path, memberLimit: memberLimit)
    }

    /// Extracts wanted members from an archive held in memory (gzip-compressed or not).
    public static func extract(_ names: [String], fromArchive bytes: [UInt8], file: String = "<memory>",
                               memberLimit: Int) throws -> [String: [UInt8]] {
        let reader: ByteReader = Gzip.isGzip(bytes)
            ? GzipReader(source: MemoryByteReader(bytes), file: file, limit: 1 << 40)
            : MemoryByteReader(bytes)
        return try extract(names, from: reader, file: file, memberLimit: memberLimit)
    }

    /// The names of all regular-file members, in archive order.
    public static func list(_ url: URL) throws -> [String] {
        let (reader, _) = try openByteReader(url, outputLimit: 1 << 40)
        return try walk(reader, file: url.path, memberLimit: 0) { _, _ in false }
    }

    static func extract(_ names: [String], from reader: ByteReader, file: String,
                        memberLimit: Int) throws -> [String: [UInt8]] {
        var found: [String: [UInt8]] = [:]
        let wanted = Set(names)
        let seen = try walk(reader, file: file, memberLimit: memberLimit) { name, content in
            guard wanted.contains(name), found[name] == nil else { return false }
            if let content { found[name] = content }
            return content == nil   // nil: ask the walker to read this member's data
        } stopWhen: { found.count == wanted.count }
        for name in names where found[name] == nil {
            // Quoted: member names come from the archive and may hold newlines.
            let sample = seen.prefix(8).map(quotedName).joined(separator: ", ") + (seen.count > 8 ? ", …" : "")
            throw DatasetError(.memberMissing, file: "\(file):\(name)",
                               "member not found in the archive (\(seen.count) files: \(sample))")
        }
        return found
    }

    /// Walks the archive; `visit(name, nil)` decides whether to read a member, then `visit(name, bytes)` gets it.
    /// Returns the regular-file names seen.
    private static func walk(_ reader: ByteReader, file: String, memberLimit: Int,
                             visit: (String, [UInt8]?) throws -> Bool,
                             stopWhen: () -> Bool = { false }) throws -> [String] {
        var seen: [String] = []
        var pendingName: String?
        var offset = 0
        while !stopWhen() {
            var block: [UInt8] = []
            guard try reader.readExactly(512, into: &block) else {
                if block.isEmpty { break }  // no end-of-archive blocks: accepted, as GNU tar does
                throw DatasetError(.truncated, file: file, "truncated tar archive: partial header at offset \(offset)")
            }
            if block.allSatisfy({ $0 == 0 }) { break }  // end-of-archive marker
            let header = try Header(block, file: file, offset: offset)
            offset += 512
            let padded = (header.size + 511) / 512 * 512
            let name = pendingName ?? header.name
            switch header.type {
            case UInt8(ascii: "L"), UInt8(ascii: "x"):
                // GNU long name or pax extended header: a small record that names the next member.
                guard header.size <= 1 << 20 else {
                    throw DatasetError(.tooLarge, file: file, "tar extended header of \(header.size) bytes at offset \(offset - 512)")
                }
                let data = try readData(reader, size: header.size, padded: padded, file: file, offset: offset)
                pendingName = header.type == UInt8(ascii: "L") ? cString(data[...]) : paxPath(data) ?? pendingName
                offset += padded
                continue
            case 0, UInt8(ascii: "0"), UInt8(ascii: "7"):
                let cleanName = name.hasPrefix("./") ? String(name.dropFirst(2)) : name
                seen.append(cleanName)
                if try visit(cleanName, nil) {
                    guard header.size <= memberLimit else {
                        throw DatasetError(.tooLarge, file: "\(file):\(cleanName)",
                                           "member of \(header.size) bytes exceeds the \(memberLimit)-byte limit")
                    }
                    let data = try readData(reader, size: header.size, padded: padded, file: file, offset: offset)
                    _ = try visit(cleanName, data)
                } else {
                    try skipData(reader, padded: padded, file: file, offset: offset)
                }
            default:  // directories, links, global pax headers: nothing to read
                try skipData(reader, padded: padded, file: file, offset: offset)
            }
            pendingName = nil
            offset += padded
        }
        return seen
    }

    private static func readData(_ reader: ByteReader, size: Int, padded: Int, file: String, offset: Int) throws -> [UInt8] {
        var data: [UInt8] = []
        guard try reader.readExactly(size, into: &data), try reader.skip(padded - size) == padded - size else {
            throw DatasetError(.truncated, file: file, "truncated tar archive: member data at offset \(offset) is cut short")
        }
        return data
    }

    private static func skipData(_ reader: ByteReader, padded: Int, file: String, offset: Int) throws {
        guard try reader.skip(padded) == padded else {
            throw DatasetError(.truncated, file: file, "truncated tar archive: member data at offset \(offset) is cut short")
        }
    }

    /// The `path=` value of a pax extended header ("<length> path=<value>\n" records).
    private static func paxPath(_ data: [UInt8]) -> String? {
        let text = String(decoding: data, as: UTF8.self)
        for record in text.split(separator: "\n") {
            if let space = record.firstIndex(of: " "), record[record.index(after: space)...].hasPrefix("path=") {
                return String(record[record.index(space, offsetBy: 6)...])
            }
        }
        return nil
    }

    /// A NUL-terminated field as a string.
    static func cString(_ field: ArraySlice<UInt8>) -> String {
        String(decoding: field.prefix { $0 != 0 }, as: UTF8.self)
    }

    /// One validated 512-byte header.
    struct Header {
        let name: String
        let size: Int
        let type: UInt8

        init(_ block: [UInt8], file: String, offset: Int) throws {
            // Checksum: the byte sum with the checksum field itself read as eight spaces.
            let stored = Header.octal(block[148..<156])
            var sum = 0
            for (i, byte) in block.enumerated() { sum += (148..<156).contains(i) ? 32 : Int(byte) }
            guard let stored, stored == sum else {
                throw DatasetError(.corrupt, file: file,
                                   "not a tar archive or corrupt: header checksum mismatch at offset \(offset)")
            }
            // Capped so that rounding up to whole blocks cannot overflow (found by fuzzing: 2^63 - 257).
            guard let size = Header.size(block[124..<136]), size <= 1 << 62 else {
                throw DatasetError(.corrupt, file: file, "bad size field in tar header at offset \(offset)")
            }
            var name = cString(block[0..<100])
            let magic = block[257..<262]
            if magic.elementsEqual("ustar".utf8), block[345] != 0 {
                name = cString(block[345..<500]) + "/" + name
            }
            self.name = name
            self.size = size
            self.type = block[156]
        }

        /// An octal field padded with spaces or NULs; nil when malformed.
        static func octal(_ field: ArraySlice<UInt8>) -> Int? {
            let digits = field.drop { $0 == 32 || $0 == 0 }.prefix { $0 != 32 && $0 != 0 }
            if digits.isEmpty { return 0 }
            guard digits.count <= 20 else { return nil }  // 8^20 = 2^60: no overflow
            var value = 0
            for d in digits {
                guard (48...55).contains(d) else { return nil }
                value = value * 8 + Int(d - 48)
            }
            return value
        }

        /// A size field: octal, or GNU base-256 when the high bit of the first byte is set.
        static func size(_ field: ArraySlice<UInt8>) -> Int? {
            guard let first = field.first, first & 0x80 != 0 else { return octal(field) }
            guard first == 0x80 else { return nil }  // negative sizes are malformed
            var value = 0
            for byte in field.dropFirst() {
                guard value < (Int.max >> 8) else { return nil }
                value = (value << 8) | Int(byte)
            }
            return value
        }
    }
}
