// TarFuzz.swift: the tar target: `Tar.extract` of a CIFAR python archive held in memory (plain or
// gzip), then the extracted batch through `CIFARPickle.parse`, which is the .tar.gz loading path.
//
// Byte mutations almost never survive the header checksum, so the generator writes archives whose
// header fields are hostile (sizes in octal and GNU base-256 up to 2^63, non-octal digits, sizes past
// the data, GNU long names and pax records, other member types) and then fixes the checksum most of
// the time, so the fields behind it are what gets tested.

import DataFormats

enum TarFuzz {
    static let wanted = ["cifar-10-batches-py/test_batch", "cifar-10-batches-py/batches.meta"]
    static let memberLimit = 1 << 20
    static let dictionary: [[UInt8]] = [
        Array("ustar".utf8), Array("ustar\u{0}00".utf8), [0x80], [0xFF], Array("77777777777".utf8),
        Array("L".utf8), Array("x".utf8), Array("5".utf8), Array("30 path=".utf8),
    ]

    static func check(_ input: [UInt8]) -> Outcome {
        do {
            let members = try Tar.extract(wanted, fromArchive: input, file: "fuzz.tar", memberLimit: memberLimit)
            for (name, data) in members where data.count > min(memberLimit, payloadBound(input)) {
                violation("member \(name) of \(data.count) bytes from a \(input.count)-byte archive")
            }
            let batch = members[wanted[0]] ?? []
            checkImageSet(try CIFARPickle.parse(batch, variant: .cifar10, file: "fuzz.tar:test_batch"), input: batch, classes: 10)
            return .parsed
        } catch {
            return rejected(error, as: DatasetError.self)
        }
    }

    /// A 512-byte ustar header; `size` is the octal size field's value unless `sizeField` overrides it.
    static func header(name: String, size: Int, type: UInt8 = UInt8(ascii: "0"), sizeField: [UInt8]? = nil,
                       prefix: String = "", fixChecksum: Bool = true) -> [UInt8] {
        var block = [UInt8](repeating: 0, count: 512)
        func put(_ bytes: [UInt8], at offset: Int) {
            let n = min(bytes.count, 512 - offset)
            block.replaceSubrange(offset..<offset + n, with: bytes.prefix(n))
        }
        put(Array(name.utf8.prefix(100)), at: 0)
        put(Array("0000644\u{0}0000000\u{0}0000000\u{0}".utf8), at: 100)
        put(sizeField ?? octal(size, digits: 11), at: 124)
        put(Array("00000000000\u{0}".utf8), at: 136)
        block[156] = type
        put(Array("ustar\u{0}00".utf8), at: 257)
        put(Array(prefix.utf8.prefix(155)), at: 345)
        if fixChecksum { setChecksum(&block) }
        return block
    }

    static func octal(_ value: Int, digits: Int) -> [UInt8] {
        let text = String(value, radix: 8)
        return Array((String(repeating: "0", count: max(0, digits - text.count)) + text).utf8) + [0]
    }

    /// The checksum field as tar writes it: six octal digits, NUL, space, over the block with the field blank.
    static func setChecksum(_ block: inout [UInt8]) {
        block.replaceSubrange(148..<156, with: [UInt8](repeating: 0x20, count: 8))
        let sum = block.reduce(0) { $0 + Int($1) }
        block.replaceSubrange(148..<156, with: octal(sum, digits: 6) + [0x20])
    }

    /// A member: its header, its data, and the zero padding to the next 512-byte boundary.
    static func member(_ header: [UInt8], _ data: [UInt8]) -> [UInt8] {
        header + data + [UInt8](repeating: 0, count: (512 - data.count % 512) % 512)
    }

    static let batch = CIFARPickleFuzz.batch(style: .python2, rows: 1, cifar100: false, planarShape: false).bytes
    static let meta: [UInt8] = {
        var w = PickleWriter(style: .python2)
        w.op(0x7D); w.text("num_cases_per_batch"); w.int(1); w.op(0x73)
        return w.finish()
    }()

    static let seeds: [Seed] = {
        let plain = member(header(name: "cifar-10-batches-py", size: 0, type: UInt8(ascii: "5")), [])
            + member(header(name: wanted[1], size: meta.count), meta)
            + member(header(name: wanted[0], size: batch.count), batch)
            + [UInt8](repeating: 0, count: 1024)
        // A GNU long name ('L') for the batch, and a pax 'path' record for the metadata.
        let longName = Array(wanted[0].utf8) + [0]
        let pax = Array("41 path=\(wanted[1])\n".utf8)
        let extended = member(header(name: "././@LongLink", size: longName.count, type: UInt8(ascii: "L")), longName)
            + member(header(name: "x", size: batch.count), batch)
            + member(header(name: "PaxHeader", size: pax.count, type: UInt8(ascii: "x")), pax)
            + member(header(name: "y", size: meta.count), meta)
        let fields = [124, 148, 156, 512 + 124, 512 + 148, 1024 + 124]
        return [Seed(plain, fields: fields), Seed(extended, fields: fields),
                Seed(GzipWriter.compress(plain), fields: [3, 8])]
    }()

    /// Base-256 size fields (GNU): 0x80 then eleven big-endian bytes, up to 2^63 - 1; and negative ones.
    static func base256(_ value: UInt64, negative: Bool = false) -> [UInt8] {
        [negative ? 0xFF : 0x80, 0, 0, 0] + (0..<8).map { UInt8(truncatingIfNeeded: value >> (8 * UInt64(7 - $0))) }
    }

    static func generate(_ rng: inout SplitMix64) -> [UInt8] {
        var archive: [UInt8] = []
        for _ in 0..<(1 + rng.below(4)) {
            var data = rng.chance(50) ? batch : meta
            var name = rng.pick(wanted + ["./" + wanted[0], "other", String(repeating: "n", count: 100)])
            var type = UInt8(ascii: "0")
            var sizeField: [UInt8]?
            switch rng.below(9) {
            case 0:  // around the largest size the reader's base-256 decoding accepts, 2^63 - 257
                sizeField = base256(rng.pick([UInt64(data.count), 0x7FFF_FFFF_FFFF_FFFF, 0x7FFF_FFFF_FFFF_FEFF,
                                              0x7FFF_FFFF_FFFF_FE00, 0x00FF_FFFF_FFFF_FFFF, 1 << 40, UInt64(rng.next())]))
            case 1: sizeField = base256(UInt64(rng.next()), negative: true)
            case 2: sizeField = Array(rng.pick(["77777777777", "99999999999", "-1", "0x10", "           ", "7777777777777777"]).utf8)
            case 3: sizeField = octal(data.count + 1 + rng.below(2000), digits: 11)  // size past the data
            case 4:  // a GNU long name naming the next member
                type = UInt8(ascii: "L")
                data = rng.chance(80) ? Array(rng.pick(wanted).utf8) + [0] : [UInt8](repeating: 0x41, count: (1 << 20) + 1)
                name = "././@LongLink"
            case 5:  // a pax extended header with hostile records
                type = UInt8(ascii: "x")
                data = Array(rng.pick(["30 path=\(wanted[0])\n", "path=\n", " path=", "5 path", "999999999999 path=x\n",
                                       "\n\n\n", "1 path=\u{0}\n"]).utf8)
            case 6: type = rng.pick(Array("125gKV\u{0}7".utf8) + [0xFF])
            default: break
            }
            archive += member(header(name: name, size: data.count, type: type, sizeField: sizeField,
                                     prefix: rng.chance(10) ? "pre" : "", fixChecksum: rng.chance(90)), data)
        }
        if rng.chance(70) { archive += [UInt8](repeating: 0, count: rng.pick([0, 512, 1024])) }
        return rng.chance(30) ? GzipWriter.compress(archive, stored: rng.chance(20)) : archive
    }
}
