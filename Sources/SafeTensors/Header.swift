// Header.swift: turns a safetensors header (the JSON after the 8-byte length) into validated tensor
// records, checking every rule of the format before a single tensor byte is touched or allocated.
//
// Format: docs/architecture.md §7 and safetensors README "Format": {"name": {"dtype", "shape",
// "data_offsets": [BEGIN, END]}, ..., "__metadata__": {string: string}}; offsets are relative to the
// data buffer, END is exclusive, the buffer must be covered exactly, without overlaps or holes.
// Checks per tensor, in order: entry shape (fields, types, duplicates) → dtype known → dimensions
// non-negative → element/byte count fits in Int → begin <= end → end <= buffer → END-BEGIN == bytes.
// Then across tensors: overlaps and holes. All arithmetic is overflow-checked, so a header claiming a
// [10^6, 10^6] tensor costs a multiplication, not an allocation.

/// A header problem before the file name is attached (by `SafeTensorsFile.parse`).
struct HeaderFailure: Error {
    let problem: SafeTensorsError.Problem
    init(_ problem: SafeTensorsError.Problem) { self.problem = problem }
}

/// One tensor's validated header record.
struct TensorRecord: Equatable {
    let name: String
    let dtype: SafeTensorsDType
    let shape: [Int]
    let begin: Int
    let end: Int
}

/// A validated header: metadata plus tensor records in ascending offset order (file order on ties).
struct SafeTensorsHeader {
    let metadata: [String: String]
    let records: [TensorRecord]

    /// Reserved top-level key for the string map of free-form metadata.
    static let metadataKey = "__metadata__"

    /// Parses and validates `headerBytes` against a data buffer of `bufferSize` bytes.
    /// - Throws: `HeaderFailure`; the caller adds the file name.
    static func parse(_ headerBytes: [UInt8], bufferSize: Int) throws(HeaderFailure) -> SafeTensorsHeader {
        if let bad = firstInvalidUTF8Offset(headerBytes) { throw HeaderFailure(.headerNotUTF8(byteOffset: bad)) }
        // The reference plans to require a leading "{" (tensor.rs, "NOTE: Add when we move to 0.4.0");
        // every known writer complies, so deat requires it now.
        guard headerBytes.first == UInt8(ascii: "{") else { throw HeaderFailure(.headerNotObject) }
        let root: JSONValue
        do {
            root = try StrictJSONParser.parse(headerBytes)
        } catch {
            throw HeaderFailure(.malformedJSON(byteOffset: error.offset, reason: error.reason))
        }
        guard case .object(let members) = root else { throw HeaderFailure(.headerNotObject) }

        var metadata: [String: String]?
        var records: [TensorRecord] = []
        records.reserveCapacity(members.count)
        var seen = Set<String>()
        for member in members {
            // JSONSerialization would keep one of two equal keys silently; the format forbids them.
            // A second __metadata__ is a duplicate top-level key too, reported the same way.
            guard seen.insert(member.key).inserted else { throw HeaderFailure(.duplicateTensor(member.key)) }
            if member.key == metadataKey {
                metadata = try parseMetadata(member.value)
            } else {
                records.append(try parseRecord(name: member.key, member.value, bufferSize: bufferSize))
            }
        }
        let sorted = sortedByOffset(records)
        try checkCoverage(sorted, bufferSize: bufferSize)
        return SafeTensorsHeader(metadata: metadata ?? [:], records: sorted)
    }

    private static func parseMetadata(_ value: JSONValue) throws(HeaderFailure) -> [String: String] {
        guard case .object(let members) = value else { throw HeaderFailure(.invalidMetadata(key: nil)) }
        var map: [String: String] = [:]
        for member in members {
            guard case .string(let s) = member.value else { throw HeaderFailure(.invalidMetadata(key: member.key)) }
            guard map.updateValue(s, forKey: member.key) == nil else {
                throw HeaderFailure(.duplicateField(tensor: metadataKey, field: member.key))
            }
        }
        return map
    }

    private static func parseRecord(name: String, _ value: JSONValue, bufferSize: Int)
        throws(HeaderFailure) -> TensorRecord
    {
        typealias Fail = HeaderFailure
        guard case .object(let members) = value else { throw Fail(.tensorNotObject(tensor: name)) }
        var fields: [String: JSONValue] = [:]
        for member in members {
            // Unknown fields are refused (the reference ignores them): no writer emits any, so one
            // means a corrupt or foreign file.
            guard ["dtype", "shape", "data_offsets"].contains(member.key) else {
                throw Fail(.unexpectedField(tensor: name, field: member.key))
            }
            guard fields.updateValue(member.value, forKey: member.key) == nil else {
                throw Fail(.duplicateField(tensor: name, field: member.key))
            }
        }
        guard let dtypeValue = fields["dtype"] else { throw Fail(.missingField(tensor: name, field: "dtype")) }
        guard let shapeValue = fields["shape"] else { throw Fail(.missingField(tensor: name, field: "shape")) }
        guard let offsetsValue = fields["data_offsets"] else {
            throw Fail(.missingField(tensor: name, field: "data_offsets"))
        }

        guard case .string(let dtypeName) = dtypeValue else {
            throw Fail(.wrongFieldType(tensor: name, field: "dtype", expected: "a string such as \"F32\""))
        }
        let shapeError = Fail(.wrongFieldType(tensor: name, field: "shape", expected: "an array of integers"))
        guard case .array(let dims) = shapeValue else { throw shapeError }
        var shape: [Int] = []
        shape.reserveCapacity(dims.count)  // bounded by the header's own length
        for dim in dims {
            guard let d = integer(dim) else { throw shapeError }
            shape.append(d)
        }
        guard case .array(let offsets) = offsetsValue, offsets.count == 2,
              let begin = integer(offsets[0]), let end = integer(offsets[1])
        else {
            throw Fail(.wrongFieldType(tensor: name, field: "data_offsets", expected: "an array of two integers [begin, end]"))
        }

        guard let dtype = SafeTensorsDType(rawValue: dtypeName) else {
            throw Fail(.unknownDType(tensor: name, dtype: dtypeName))
        }
        guard shape.allSatisfy({ $0 >= 0 }) else { throw Fail(.negativeDimension(tensor: name, shape: shape)) }
        // Overflow-checked: a claimed 10^12-element tensor costs a multiplication here, never an allocation.
        guard let bytes = dtype.byteCount(shape: shape) else {
            throw Fail(.shapeOverflow(tensor: name, shape: shape, dtype: dtype))
        }
        guard begin >= 0, begin <= end else { throw Fail(.offsetsReversed(tensor: name, begin: begin, end: end)) }
        guard end <= bufferSize else {
            throw Fail(.offsetsBeyondBuffer(tensor: name, begin: begin, end: end, bufferSize: bufferSize))
        }
        guard end - begin == bytes else {
            throw Fail(.sizeMismatch(tensor: name, begin: begin, end: end, dtype: dtype, shape: shape, expectedBytes: bytes))
        }
        return TensorRecord(name: name, dtype: dtype, shape: shape, begin: begin, end: end)
    }

    /// An integer literal that fits in `Int` ("4", "-1"); nil for fractions, exponents, other types,
    /// or values outside 64 bits (those cannot describe a real file anyway).
    private static func integer(_ value: JSONValue) -> Int? {
        guard case .number(let text) = value else { return nil }
        return Int(text)  // rejects "1.0", "1e3" and anything out of range; never traps
    }

    /// Stable sort by (begin, end): ties keep file order, e.g. several empty tensors at one offset.
    static func sortedByOffset(_ records: [TensorRecord]) -> [TensorRecord] {
        records.enumerated().sorted { a, b in
            (a.element.begin, a.element.end, a.offset) < (b.element.begin, b.element.end, b.offset)
        }.map(\.element)
    }

    /// `sorted` (by offset) must tile [0, bufferSize) exactly: each tensor starts where
    /// the previous one ended. Empty tensors may sit at any boundary.
    private static func checkCoverage(_ sorted: [TensorRecord], bufferSize: Int) throws(HeaderFailure) {
        var covered = 0
        var previous: TensorRecord?
        for r in sorted {
            if r.begin < covered, let p = previous {
                throw HeaderFailure(.overlappingTensors(tensor: r.name, other: p.name))
            }
            if r.begin > covered {
                throw HeaderFailure(.bufferHole(after: previous?.name, before: r.name, begin: covered, end: r.begin))
            }
            covered = max(covered, r.end)
            // Empty tensors do not advance coverage; keep naming the last tensor that did, so an
            // overlap report points at the tensor that actually owns the bytes.
            if r.end > r.begin || previous == nil { previous = r }
        }
        if covered < bufferSize {
            throw HeaderFailure(.bufferHole(after: previous?.name, before: nil, begin: covered, end: bufferSize))
        }
    }
}
