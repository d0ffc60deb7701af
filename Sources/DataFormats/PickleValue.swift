// PickleValue: the data a strict unpickle (Pickle.swift) produces, with accessors for dataset dicts.
//
// Calls in the stream are *not* made: an allowlisted global applied to arguments stays a `.reduce`
// node (plus `.built` for BUILD), to be read as data by whoever knows the shape (CIFARPickle.swift).
// The one exception is `_codecs.encode(text, "latin1")`, Python 3's protocol-2 spelling of `bytes`,
// which is decoded to `.bytes` as it is met.
//
//   if case .bytes(let raw)? = value["data"] { ... }   // finds b'data' or 'data'

/// A Python value from a pickle, as data.
public enum PickleValue: Sendable, Equatable {
    /// `None`.
    case none
    /// `True` / `False`.
    case bool(Bool)
    /// An integer that fits in 64 bits (larger ones are rejected when read).
    case int(Int64)
    /// A `float` (BINFLOAT).
    case float(Double)
    /// A Python 3 `str` (BINUNICODE).
    case string(String)
    /// Python 3 `bytes` or a Python 2 `str` (BINSTRING): raw bytes.
    case bytes([UInt8])
    /// A tuple.
    case tuple([PickleValue])
    /// A list.
    case list([PickleValue])
    /// Entries in insertion order; a repeated key replaces the earlier value, as in Python.
    case dict([PickleEntry])
    /// A reference to `module.name` (from GLOBAL / STACK_GLOBAL), never resolved.
    case global(module: String, name: String)
    /// `callable(*arguments)` from REDUCE, not evaluated.
    indirect case reduce(callable: PickleValue, arguments: PickleValue)
    /// `object.__setstate__(state)` from BUILD, not evaluated.
    indirect case built(object: PickleValue, state: PickleValue)

    /// For a dict: the value under `key`, matched as a `str` or as ASCII `bytes` (Python 2 pickles).
    public subscript(key: String) -> PickleValue? {
        guard case .dict(let entries) = self else { return nil }
        let keyBytes = Array(key.utf8)
        return entries.last { entry in
            switch entry.key {
            case .string(let s): return s == key
            case .bytes(let b): return b == keyBytes
            default: return false
            }
        }?.value
    }

    /// The items of a list or tuple.
    public var items: [PickleValue]? {
        switch self {
        case .list(let items), .tuple(let items): return items
        default: return nil
        }
    }

    /// The integer value (`True`/`False` count as 1/0, as in Python).
    public var integer: Int64? {
        switch self {
        case .int(let value): return value
        case .bool(let value): return value ? 1 : 0
        default: return nil
        }
    }

    /// The text of a `str`, or of ASCII/UTF-8 `bytes`.
    public var text: String? {
        switch self {
        case .string(let s): return s
        case .bytes(let b):
            let s = String(decoding: b, as: UTF8.self)
            return s.utf8.elementsEqual(b) ? s : nil  // nil when not valid UTF-8
        default: return nil
        }
    }

    /// A short description of the kind of value, for error messages.
    public var kindName: String {
        switch self {
        case .none: return "None"
        case .bool: return "bool"
        case .int: return "int"
        case .float: return "float"
        case .string: return "str"
        case .bytes(let b): return "bytes (\(b.count))"
        case .tuple(let t): return "tuple (\(t.count))"
        case .list(let l): return "list (\(l.count))"
        case .dict(let d): return "dict (\(d.count) keys)"
        case .global(let module, let name): return "\(module).\(name)"
        case .reduce(let callable, _): return "call of \(callable.kindName)"
        case .built(let object, _): return "built \(object.kindName)"
        }
    }
}

/// One key/value pair of a pickled dict.
public struct PickleEntry: Sendable, Equatable {
    /// The key, usually `.string` or `.bytes`.
    public var key: PickleValue
    /// The value stored under `key`.
    public var value: PickleValue

    /// Creates an entry.
    public init(key: PickleValue, value: PickleValue) {
        self.key = key
        self.value = value
    }
}
