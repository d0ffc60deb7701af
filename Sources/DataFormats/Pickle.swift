// Pickle: a small, strict unpickler for dataset files (CIFAR's python version), that never executes anything.
//
// It interprets the opcodes that protocol 2 writers use for dicts, lists, ints, strings and numpy arrays
// (Python 2 cPickle and Python 3 `pickle.dump(protocol=2)`), plus the few protocol 3/4 additions
// (BINBYTES, SHORT_BINUNICODE, MEMOIZE, STACK_GLOBAL, FRAME). Anything else is rejected with its offset.
// GLOBAL is accepted only for an allowlist and becomes data (`PickleValue.global`); REDUCE and BUILD build
// `.reduce` / `.built` nodes instead of calling. Every length is checked against the bytes left before it
// is sliced, so memory stays proportional to the file, and nesting is capped so no recursion runs deep.
//
//   let batch = try Pickle.parse(bytes, file: "data_batch_1")   // .dict([...])

/// Strict reader for a safe subset of the Python pickle format.
public enum Pickle {
    /// `module.name` globals that may appear (as inert data): numpy array reconstruction and bytes spellings.
    public static let allowedGlobals: Set<String> = [
        "numpy.core.multiarray._reconstruct", "numpy._core.multiarray._reconstruct",
        "numpy.ndarray", "numpy.dtype", "_codecs.encode", "__builtin__.bytes", "builtins.bytes",
    ]
    /// Containers nested deeper than this are rejected (dataset pickles nest about five levels).
    public static let maxDepth = 64

    /// Parses one pickled value. Bytes after the STOP opcode are ignored, as `pickle.load` does.
    /// - Throws: `DatasetError` (`unsupported` for an opcode or global outside the subset,
    ///   `truncated` for a stream cut short, `badStructure` for an inconsistent stack).
    public static func parse(_ bytes: [UInt8], file: String = "<memory>") throws -> PickleValue {
        var machine = Unpickler(bytes: bytes, file: file)
        return try machine.run()
    }
}

/// The pickle virtual machine, limited to data-building opcodes.
struct Unpickler {
    /// A stack entry: the value, an identity for mutable objects (lists, dicts, REDUCE results), nesting depth.
    struct Slot {
        var value: PickleValue
        var id: Int?
        var depth: Int
    }

    let bytes: [UInt8]
    let file: String
    var position = 0
    var opcodeOffset = 0
    var stack = PickleStack()
    var marks: [Int] = []
    var memo: [Int: Slot] = [:]
    var memoizedIDs: Set<Int> = []
    /// Final state of memoized mutable objects once popped, so a later BINGET sees their contents
    /// (Python shares the object; values here are copied, so we hand out the finished copy).
    var finished: [Int: Slot] = [:]
    var nextID = 0

    init(bytes: [UInt8], file: String) {
        self.bytes = bytes
        self.file = file
    }

    mutating func run() throws -> PickleValue {
        while true {
            opcodeOffset = position
            let op = try byte()
            switch op {
            case 0x80: // PROTO
                let version = try byte()
                guard (2...5).contains(version) else { throw fail(.unsupported, "pickle protocol \(version) is not supported") }
            case 0x95: // FRAME: announces the length of the opcodes that follow; nothing to build
                guard try unsigned(8) <= UInt64(bytes.count - position) else { throw fail(.truncated, "truncated pickle frame") }
            case 0x2e: // STOP
                let result = try pop()
                guard stack.isEmpty, marks.isEmpty else { throw fail(.badStructure, "pickle stack not empty at STOP") }
                return result.value
            case 0x28: marks.append(stack.count)  // MARK
            case 0x4e: push(.none)
            case 0x88: push(.bool(true))
            case 0x89: push(.bool(false))
            case 0x4b: push(.int(Int64(try byte())))  // BININT1
            case 0x4d: push(.int(Int64(try unsigned(2))))  // BININT2
            case 0x4a: push(.int(Int64(Int32(truncatingIfNeeded: try unsigned(4)))))  // BININT
            case 0x8a: push(.int(try long1()))
            case 0x49: push(try textInt())  // INT (protocol 0, also used for bools by old writers)
            case 0x47: push(.float(Double(bitPattern: try bigEndian64())))  // BINFLOAT
            case 0x55, 0x43: push(.bytes(Array(try take(Int(try byte())))))  // SHORT_BINSTRING, SHORT_BINBYTES
            case 0x42: push(.bytes(Array(try take(Int(try unsigned(4))))))  // BINBYTES
            case 0x54: // BINSTRING: a signed 4-byte length
                let length = Int32(truncatingIfNeeded: try unsigned(4))
                guard length >= 0 else { throw fail(.badStructure, "negative BINSTRING length \(length)") }
                push(.bytes(Array(try take(Int(length)))))
            case 0x58: push(.string(try utf8(take(Int(try unsigned(4))))))  // BINUNICODE
            case 0x8c: push(.string(try utf8(take(Int(try byte())))))  // SHORT_BINUNICODE
            case 0x7d: pushContainer(.dict([]))  // EMPTY_DICT
            case 0x5d: pushContainer(.list([]))  // EMPTY_LIST
            case 0x29: push(.tuple([]))  // EMPTY_TUPLE
            case 0x85, 0x86, 0x87: // TUPLE1, TUPLE2, TUPLE3
                let count = Int(op - 0x84)
                guard stack.count - count >= (marks.last ?? 0) else { throw underflow() }
                let items = Array(stack.suffix(count))
                stack.removeLast(count)
                for item in items { recordFinished(item) }
                try pushComposite(.tuple(items.map(\.value)), children: items, mutable: false)
            case 0x74: let items = try popToMark(); try pushComposite(.tuple(items.map(\.value)), children: items, mutable: false)
            case 0x6c: let items = try popToMark(); try pushComposite(.list(items.map(\.value)), children: items, mutable: true)
            case 0x61: try appendToList([try pop()])  // APPEND
            case 0x65: try appendToList(try popToMark())  // APPENDS
            case 0x73: let value = try pop(); let key = try pop(); try setItems([(key, value)])  // SETITEM
            case 0x75: // SETITEMS
                let items = try popToMark()
                guard items.count % 2 == 0 else { throw fail(.badStructure, "SETITEMS with an odd number of items") }
                try setItems(stride(from: 0, to: items.count, by: 2).map { (items[$0], items[$0 + 1]) })
            case 0x71: try put(Int(try byte()))  // BINPUT
            case 0x72: try put(Int(try unsigned(4)))  // LONG_BINPUT
            case 0x94: try put(memo.count)  // MEMOIZE
            case 0x68: try get(Int(try byte()))  // BINGET
            case 0x6a: try get(Int(try unsigned(4)))  // LONG_BINGET
            case 0x63: try pushGlobal(module: try line(), name: try line())  // GLOBAL
            case 0x93: // STACK_GLOBAL
                let name = try pop().value, module = try pop().value
                guard case .string(let n) = name, case .string(let m) = module else {
                    throw fail(.badStructure, "STACK_GLOBAL needs two strings")
                }
                try pushGlobal(module: m, name: n)
            case 0x52: try reduce()
            case 0x62: try build()
            default:
                let printable = (0x21...0x7e).contains(op) ? " ('\(Character(Unicode.Scalar(op)))')" : ""
                throw fail(.unsupported, "unsupported pickle opcode 0x\(String(op, radix: 16))\(printable)")
            }
        }
    }

    // MARK: stack

    func fail(_ kind: DatasetError.Kind, _ problem: String) -> DatasetError {
        DatasetError(kind, file: file, "\(problem) at byte offset \(opcodeOffset)")
    }

    func underflow() -> DatasetError { fail(.badStructure, "pickle stack underflow") }

    mutating func push(_ value: PickleValue) { stack.append(Slot(value: value, id: nil, depth: 0)) }

    mutating func pushContainer(_ value: PickleValue) {
        nextID += 1
        stack.append(Slot(value: value, id: nextID, depth: 1))
    }

    /// Pushes a value built from `children`, checking the nesting cap.
    mutating func pushComposite(_ value: PickleValue, children: [Slot], mutable: Bool) throws {
        let depth = 1 + (children.map(\.depth).max() ?? 0)
        guard depth <= Pickle.maxDepth else { throw fail(.badStructure, "pickle nests deeper than \(Pickle.maxDepth)") }
        if mutable { nextID += 1 }
        stack.append(Slot(value: value, id: mutable ? nextID : nil, depth: depth))
    }

    mutating func recordFinished(_ slot: Slot) {
        if let id = slot.id, memoizedIDs.contains(id) { finished[id] = slot }
    }

    mutating func pop() throws -> Slot {
        guard stack.count > (marks.last ?? 0) else { throw underflow() }
        let slot = stack.removeLast()
        recordFinished(slot)
        return slot
    }

    mutating func popToMark() throws -> [Slot] {
        guard let mark = marks.popLast() else { throw fail(.badStructure, "pickle item list without MARK") }
        let items = Array(stack[mark...])
        stack.removeSubrange(mark...)
        for item in items { recordFinished(item) }
        return items
    }

    /// Index of the top slot, which must lie above the current mark.
    func topIndex() throws -> Int {
        guard stack.count > (marks.last ?? 0) else { throw underflow() }
        return stack.count - 1
    }

    mutating func appendToList(_ items: [Slot]) throws {
        let top = try topIndex()
        guard case .list(var list) = stack[top].value else {
            throw fail(.badStructure, "APPEND to \(stack[top].value.kindName), expected a list")
        }
        stack[top].value = .none  // release the stack's reference so the append is in place
        list.append(contentsOf: items.map(\.value))
        stack[top].value = .list(list)
        try deepen(top, by: items)
    }

    /// Adds entries; a repeated key is kept, and lookups take the last one (the value Python keeps).
    mutating func setItems(_ pairs: [(key: Slot, value: Slot)]) throws {
        let top = try topIndex()
        guard case .dict(var entries) = stack[top].value else {
            throw fail(.badStructure, "SETITEM on \(stack[top].value.kindName), expected a dict")
        }
        for (key, _) in pairs {
            switch key.value {
            case .list, .dict: throw fail(.badStructure, "unhashable dict key \(key.value.kindName)")
            default: break
            }
        }
        stack[top].value = .none
        entries.append(contentsOf: pairs.map { PickleEntry(key: $0.key.value, value: $0.value.value) })
        stack[top].value = .dict(entries)
        try deepen(top, by: pairs.flatMap { [$0.key, $0.value] })
    }

    mutating func deepen(_ index: Int, by children: [Slot]) throws {
        let depth = 1 + (children.map(\.depth).max() ?? 0)
        guard depth <= Pickle.maxDepth else { throw fail(.badStructure, "pickle nests deeper than \(Pickle.maxDepth)") }
        stack[index].depth = max(stack[index].depth, depth)
    }

    // MARK: memo, globals, calls

    mutating func put(_ index: Int) throws {
        let slot = stack[try topIndex()]
        if let id = slot.id { memoizedIDs.insert(id) }
        memo[index] = slot
    }

    mutating func get(_ index: Int) throws {
        guard var slot = memo[index] else { throw fail(.badStructure, "pickle memo \(index) is not defined") }
        if let id = slot.id {
            // The object as it is now: still on the stack, or its finished copy. (A self-containing
            // structure therefore unpickles as a snapshot of itself, not as a cycle.)
            slot = stack.top(of: id) ?? finished[id] ?? slot
        }
        stack.append(slot)
    }

    mutating func pushGlobal(module: String, name: String) throws {
        guard Pickle.allowedGlobals.contains("\(module).\(name)") else {
            // Quoted: the name comes from the file and may hold a newline (found by fuzzing).
            throw fail(.unsupported, "pickle global \(quotedName("\(module).\(name)")) is not allowed (only numpy arrays and bytes)")
        }
        push(.global(module: module, name: name))
    }

    /// REDUCE: records the call as data; `_codecs.encode(s, "latin1")` and `bytes()` become `.bytes`.
    mutating func reduce() throws {
        let arguments = try pop(), callable = try pop()
        guard case .global(let module, let name) = callable.value, case .tuple(let args) = arguments.value else {
            throw fail(.badStructure, "REDUCE needs a global and an argument tuple, got \(callable.value.kindName)")
        }
        let qualified = "\(module).\(name)"
        if qualified == "_codecs.encode" {
            guard args.count == 2, case .string(let text) = args[0], let encoding = args[1].text,
                  ["latin1", "latin-1"].contains(encoding)
            else { throw fail(.unsupported, "_codecs.encode is supported only as encode(str, 'latin1')") }
            guard let raw = latin1(text) else { throw fail(.badStructure, "_codecs.encode text is not latin-1") }
            push(.bytes(raw))
        } else if qualified.hasSuffix(".bytes") {
            guard args.isEmpty else { throw fail(.unsupported, "\(qualified) is supported only without arguments") }
            push(.bytes([]))
        } else {
            try pushComposite(.reduce(callable: callable.value, arguments: arguments.value),
                              children: [callable, arguments], mutable: true)
        }
    }

    mutating func build() throws {
        let state = try pop()
        let top = try topIndex()
        guard case .reduce = stack[top].value else {
            throw fail(.badStructure, "BUILD on \(stack[top].value.kindName), expected a reconstructed object")
        }
        stack[top].value = .built(object: stack[top].value, state: state.value)
        try deepen(top, by: [state, Slot(value: .none, id: nil, depth: stack[top].depth)])
    }
}
