// SafeTensorsError.swift: every way reading, writing or name-checking a safetensors file can fail.
//
// One error type for the whole target: `source` names the file (or "<memory>"), `problem` says what is
// wrong and, for anything about one tensor, which tensor key. `description` is one line that suggests
// where to look, e.g.
//   model.safetensors: tensor "conv1.weight": data_offsets [0, 100] hold 100 bytes but F32 [4, 3, 3, 3] needs 432
// Spec: docs/architecture.md §7 ("every reader error named after the tensor key").

/// A shape disagreement found by `checkNames(expected:in:)`.
public struct ShapeMismatch: Equatable, Sendable {
    public let name: String
    public let expected: [Int]
    public let found: [Int]

    public init(name: String, expected: [Int], found: [Int]) {
        self.name = name
        self.expected = expected
        self.found = found
    }
}

/// An error from the safetensors reader, writer or `checkNames`.
public struct SafeTensorsError: Error, Equatable, Sendable, CustomStringConvertible {
    /// The file the error is about: its last path component, or `"<memory>"` for `parse`/`serialize`.
    public let source: String
    /// What is wrong.
    public let problem: Problem

    public init(source: String, problem: Problem) {
        self.source = source
        self.problem = problem
    }

    /// What is wrong. Cases about one tensor carry its key as `tensor`.
    public enum Problem: Equatable, Sendable {
        // File layout.
        /// The file is shorter than the 8-byte header length.
        case fileTooShort(byteCount: Int)
        /// The header length exceeds the reference's 100,000,000-byte limit.
        case headerTooLarge(length: UInt64)
        /// The header length runs past the end of the file.
        case headerExceedsFile(length: UInt64, available: Int)
        /// The header is not valid UTF-8 (first bad byte, counted from the start of the header).
        case headerNotUTF8(byteOffset: Int)
        /// The header does not start with `{` or is not a JSON object.
        case headerNotObject
        /// The header is not well-formed JSON (position counted from the start of the header).
        case malformedJSON(byteOffset: Int, reason: String)
        /// `__metadata__` is not an object of string values; `key` is the offending key, nil when
        /// `__metadata__` itself is not an object.
        case invalidMetadata(key: String?)
        // One tensor's header entry.
        /// The same tensor key appears twice (JSON parsers usually keep only the last one silently).
        case duplicateTensor(String)
        case tensorNotObject(tensor: String)
        case missingField(tensor: String, field: String)
        case unexpectedField(tensor: String, field: String)
        case duplicateField(tensor: String, field: String)
        /// A field has the wrong JSON type; `expected` describes the right one.
        case wrongFieldType(tensor: String, field: String, expected: String)
        case unknownDType(tensor: String, dtype: String)
        case negativeDimension(tensor: String, shape: [Int])
        /// The element or byte count of `shape` does not fit in 64 bits.
        case shapeOverflow(tensor: String, shape: [Int], dtype: SafeTensorsDType)
        /// `data_offsets` has begin > end (or a negative value).
        case offsetsReversed(tensor: String, begin: Int, end: Int)
        case offsetsBeyondBuffer(tensor: String, begin: Int, end: Int, bufferSize: Int)
        /// `end - begin` differs from what dtype and shape need.
        case sizeMismatch(tensor: String, begin: Int, end: Int, dtype: SafeTensorsDType, shape: [Int], expectedBytes: Int)
        /// Two tensors' byte ranges overlap.
        case overlappingTensors(tensor: String, other: String)
        /// Buffer bytes `[begin, end)` belong to no tensor; `after`/`before` name the neighbours (nil at an end).
        case bufferHole(after: String?, before: String?, begin: Int, end: Int)
        // Writing.
        /// `__metadata__` cannot be a tensor name.
        case reservedName(tensor: String)
        /// An entry's `data` does not hold exactly dtype size × element count bytes.
        case dataSizeMismatch(tensor: String, dtype: SafeTensorsDType, shape: [Int], expectedBytes: Int, actualBytes: Int)
        /// Caller metadata conflicts with a key the writer sets (`format` must be `pt`).
        case metadataConflict(key: String, value: String)
        // Loading into a model.
        /// Every missing, unexpected and wrong-shape key at once (see `checkNames`).
        case nameMismatch(missing: [String], unexpected: [String], wrongShape: [ShapeMismatch])
        // The file system.
        case io(operation: String, message: String)
    }

    public var description: String { "\(source): \(problem)" }
}

extension SafeTensorsError.Problem: CustomStringConvertible {
    public var description: String {
        switch self {
        case .fileTooShort(let n):
            return "file has \(n) bytes, fewer than the 8-byte header length; not a safetensors file"
        case .headerTooLarge(let n):
            return "header length \(n) exceeds the 100000000-byte limit; not a safetensors file or corrupt"
        case .headerExceedsFile(let n, let available):
            return "header length \(n) exceeds the \(available) bytes after the length field; file truncated?"
        case .headerNotUTF8(let offset):
            return "header is not valid UTF-8 (byte \(offset) of the header)"
        case .headerNotObject:
            return "header is not a JSON object starting with '{'"
        case .malformedJSON(let offset, let reason):
            return "header is not valid JSON at byte \(offset) of the header: \(reason)"
        case .invalidMetadata(let key?):
            return "__metadata__ value for key \(quoted(key)) is not a string"
        case .invalidMetadata(nil):
            return "__metadata__ is not an object mapping strings to strings"
        case .duplicateTensor(let t):
            return "tensor \(quoted(t)) appears more than once in the header"
        case .tensorNotObject(let t):
            return "tensor \(quoted(t)): entry is not an object with dtype, shape and data_offsets"
        case .missingField(let t, let f):
            return "tensor \(quoted(t)): missing field \(quoted(f))"
        case .unexpectedField(let t, let f):
            return "tensor \(quoted(t)): unexpected field \(quoted(f)) (only dtype, shape, data_offsets allowed)"
        case .duplicateField(let t, let f):
            return "tensor \(quoted(t)): field \(quoted(f)) appears more than once"
        case .wrongFieldType(let t, let f, let expected):
            return "tensor \(quoted(t)): field \(quoted(f)) must be \(expected)"
        case .unknownDType(let t, let d):
            let known = SafeTensorsDType.allCases.map(\.rawValue).joined(separator: " ")
            return "tensor \(quoted(t)): unknown dtype \(quoted(d)); supported: \(known)"
        case .negativeDimension(let t, let shape):
            return "tensor \(quoted(t)): shape \(shape) has a negative dimension"
        case .shapeOverflow(let t, let shape, let dtype):
            return "tensor \(quoted(t)): \(dtype) \(shape) has more bytes than fit in 64 bits"
        case .offsetsReversed(let t, let b, let e):
            return "tensor \(quoted(t)): data_offsets [\(b), \(e)] must satisfy 0 <= begin <= end"
        case .offsetsBeyondBuffer(let t, let b, let e, let size):
            return "tensor \(quoted(t)): data_offsets [\(b), \(e)] run past the \(size)-byte data buffer; file truncated?"
        case .sizeMismatch(let t, let b, let e, let dtype, let shape, let expected):
            return "tensor \(quoted(t)): data_offsets [\(b), \(e)] hold \(e - b) bytes but \(dtype) \(shape) needs \(expected)"
        case .overlappingTensors(let t, let other):
            return "tensor \(quoted(t)): data overlaps tensor \(quoted(other))"
        case .bufferHole(let after, let before, let b, let e):
            let place = [after.map { "after tensor \(quoted($0))" }, before.map { "before tensor \(quoted($0))" }]
                .compactMap { $0 }.joined(separator: " and ")
            return "data bytes [\(b), \(e)) \(place.isEmpty ? "" : place + " ")belong to no tensor; the buffer must be fully covered"
        case .reservedName(let t):
            return "tensor \(quoted(t)): name is reserved for metadata"
        case .dataSizeMismatch(let t, let dtype, let shape, let expected, let actual):
            return "tensor \(quoted(t)): data has \(actual) bytes but \(dtype) \(shape) needs \(expected)"
        case .metadataConflict(let k, let v):
            return "metadata \(quoted(k)) = \(quoted(v)) conflicts with the writer's value \"pt\""
        case .nameMismatch(let missing, let unexpected, let wrongShape):
            var parts: [String] = []
            if !missing.isEmpty { parts.append("missing \(missing.map(quoted).joined(separator: ", "))") }
            if !unexpected.isEmpty { parts.append("unexpected \(unexpected.map(quoted).joined(separator: ", "))") }
            if !wrongShape.isEmpty {
                let items = wrongShape.map { "\(quoted($0.name)) expected \($0.expected) found \($0.found)" }
                parts.append("wrong shape \(items.joined(separator: ", "))")
            }
            return "tensors do not match the model: " + parts.joined(separator: "; ")
        case .io(let operation, let message):
            return "\(operation) failed: \(message)"
        }
    }
}

/// A key in double quotes with control characters escaped, so a description always stays on one line.
func quoted(_ s: String) -> String {
    var out = ""
    for scalar in s.debugDescription.unicodeScalars {
        // debugDescription leaves C1 controls and U+2028/U+2029 raw, and those end lines too (found by fuzzing).
        switch scalar.value {
        case 0x80...0x9F, 0x2028, 0x2029: out += "\\u{" + String(scalar.value, radix: 16) + "}"
        default: out.unicodeScalars.append(scalar)
        }
    }
    return out
}
