// PickleWriter.swift: writes CIFAR batches as pickles, in the three spellings published files use, so
// the pickle target starts from realistic streams and its generator can vary every field.
//
//   python2:    cPickle protocol 2: GLOBAL, SHORT_BINSTRING/BINSTRING strings and data, BINPUT memo
//   python3p2:  pickle.dump(protocol=2) in Python 3: BINUNICODE strings, data as _codecs.encode(str, 'latin1')
//   protocol4:  FRAME, SHORT_BINUNICODE, STACK_GLOBAL, MEMOIZE, BINBYTES
//
//   var w = PickleWriter(style: .protocol4); w.batch(...); let bytes = w.finish()

struct PickleWriter {
    enum Style: CaseIterable { case python2, python3p2, protocol4 }

    let style: Style
    private(set) var bytes: [UInt8] = []
    /// Offsets of multi-byte integer operands (lengths, memo indices, ints): where overwrites bite.
    private(set) var fields: [Int] = []
    private var memoCount = 0

    init(style: Style) {
        self.style = style
        bytes = [0x80, style == .protocol4 ? 4 : 2]
        if style == .protocol4 { bytes += [0x95] + [UInt8](repeating: 0, count: 8) }  // FRAME, length patched by `finish`
    }

    mutating func op(_ code: UInt8) { bytes.append(code) }

    private mutating func operand(_ value: UInt64, width: Int) {
        fields.append(bytes.count)
        bytes += (0..<width).map { UInt8(truncatingIfNeeded: value >> (8 * UInt64($0))) }
    }

    /// The shortest int opcode for `value`: BININT1, BININT2, BININT, or LONG1 with 8 bytes.
    mutating func int(_ value: Int64) {
        switch value {
        case 0..<256: bytes += [0x4B, UInt8(value)]
        case 256..<65536: op(0x4D); operand(UInt64(value), width: 2)
        case Int64(Int32.min)...Int64(Int32.max): op(0x4A); operand(UInt64(bitPattern: value), width: 4)
        default: bytes += [0x8A, 8]; operand(UInt64(bitPattern: value), width: 8)
        }
    }

    /// A `str` (a byte string in Python 2).
    mutating func text(_ s: String) {
        let utf8 = Array(s.utf8)
        switch style {
        case .python2: raw(utf8)
        case .python3p2: op(0x58); operand(UInt64(utf8.count), width: 4); bytes += utf8
        case .protocol4:
            if utf8.count < 256 { bytes += [0x8C, UInt8(utf8.count)] + utf8 } else { op(0x58); operand(UInt64(utf8.count), width: 4); bytes += utf8 }
        }
        memoize()
    }

    /// A `bytes` value; `claimedCount` makes the length operand lie.
    mutating func raw(_ data: [UInt8], claimedCount: Int? = nil) {
        let length = UInt64(truncatingIfNeeded: claimedCount ?? data.count)
        switch style {
        case .python2:
            if data.count < 256 && claimedCount == nil { bytes += [0x55, UInt8(data.count)] } else { op(0x54); operand(length, width: 4) }
            bytes += data
        case .python3p2:  // _codecs.encode(<the bytes as latin-1 text>, 'latin1')
            global("_codecs", "encode")
            var latin1 = ""
            latin1.unicodeScalars.append(contentsOf: data.map(Unicode.Scalar.init))
            let utf8 = Array(latin1.utf8)
            op(0x58); operand(claimedCount == nil ? UInt64(utf8.count) : length, width: 4); bytes += utf8
            op(0x58); operand(6, width: 4); bytes += Array("latin1".utf8)
            op(0x86); op(0x52)  // TUPLE2, REDUCE
        case .protocol4:
            op(0x42); operand(length, width: 4); bytes += data
        }
    }

    mutating func global(_ module: String, _ name: String) {
        if style == .protocol4 {
            text(module)
            text(name)
            op(0x93)
        } else {
            bytes += [0x63] + Array("\(module)\n\(name)\n".utf8)
        }
        memoize()
    }

    /// Stores the top of the stack in the memo, as writers do for every object.
    mutating func memoize() {
        if style == .protocol4 {
            op(0x94)
        } else {
            op(0x71)
            bytes.append(UInt8(truncatingIfNeeded: memoCount))
        }
        memoCount += 1
    }

    /// Fetches memo entry `index` (BINGET).
    mutating func get(_ index: Int) { bytes += [0x68, UInt8(truncatingIfNeeded: index)] }

    /// The parts of a pickled numpy array, each replaceable by the generator.
    struct ArraySpec {
        var shape: [Int64]
        var dtype = "u1"
        var fortran: Int64 = 0
        var withVersion = true
        var data: [UInt8]
        var claimedCount: Int?
    }

    /// `numpy.core.multiarray._reconstruct(ndarray, (0,), b'b')` then BUILD with the array state.
    mutating func array(_ spec: ArraySpec) {
        global("numpy.core.multiarray", "_reconstruct")
        global("numpy", "ndarray")
        int(0); op(0x85)  // (0,)
        raw([UInt8(ascii: "b")])
        op(0x87); op(0x52); memoize()  // TUPLE3, REDUCE
        op(0x28)  // MARK: the state tuple
        if spec.withVersion { int(1) }
        op(0x28); spec.shape.forEach { int($0) }; op(0x74)  // MARK shape... TUPLE
        global("numpy", "dtype")
        text(spec.dtype); int(0); int(1); op(0x87); op(0x52); memoize()  // dtype('u1', 0, 1)
        op(0x28); int(3); text("|"); op(0x4E); op(0x4E); op(0x4E); int(-1); int(-1); int(0); op(0x74); op(0x62)
        int(spec.fortran)
        raw(spec.data, claimedCount: spec.claimedCount)
        op(0x74); op(0x62)  // TUPLE, BUILD
    }

    /// A list of ints, as EMPTY_LIST MARK ... APPENDS.
    mutating func intList(_ values: [Int64]) {
        op(0x5D); memoize(); op(0x28)
        values.forEach { int($0) }
        op(0x65)
    }

    /// A CIFAR batch dict: data, the label lists under their keys, and the descriptive extras.
    mutating func batch(array spec: ArraySpec, labels: [(key: String, values: [Int64])]) {
        op(0x7D); memoize(); op(0x28)  // EMPTY_DICT, MARK
        text("batch_label"); text("testing batch 1 of 1")
        for (key, values) in labels { text(key); intList(values) }
        text("data"); array(spec)
        text("filenames"); op(0x5D); memoize(); op(0x28); text("a.png"); text("b.png"); op(0x65)
        op(0x75)  // SETITEMS
    }

    /// The stream with STOP appended and the FRAME length (protocol 4) filled in.
    mutating func finish() -> [UInt8] {
        op(0x2E)
        if style == .protocol4 {
            let length = UInt64(bytes.count - 11)
            for i in 0..<8 { bytes[3 + i] = UInt8(truncatingIfNeeded: length >> (8 * UInt64(i))) }
            fields.append(3)
        }
        return bytes
    }
}
