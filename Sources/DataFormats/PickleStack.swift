// PickleStack.swift: the unpickler's value stack, which also knows where the topmost entry of each
// mutable object is. A memo lookup (BINGET) of a list or dict must see the object as it is now, the
// topmost stack entry with its identity; scanning the stack for it made a hostile pickle of many
// lookups over a deep stack take quadratic time (a 1.2 MB file: 3.4 s, found while fuzzing).
// Entries only ever leave from the top, so each identity's positions form a stack too.
struct PickleStack {
    private(set) var slots: [Unpickler.Slot] = []
    /// For each identity, the indices of its entries, lowest first.
    private var positions: [Int: [Int]] = [:]

    var count: Int { slots.count }
    var isEmpty: Bool { slots.isEmpty }

    subscript(index: Int) -> Unpickler.Slot {
        get { slots[index] }
        set {
            let old = slots[index].id
            // Values and depths change in place; an identity never does (kept general regardless).
            if old != newValue.id {
                if let old { positions[old]?.removeAll { $0 == index } }
                if let id = newValue.id { positions[id, default: []].append(index); positions[id]!.sort() }
            }
            slots[index] = newValue
        }
    }

    /// The topmost entry of object `id`, if it is on the stack. O(1).
    func top(of id: Int) -> Unpickler.Slot? {
        positions[id]?.last.map { slots[$0] }
    }

    mutating func append(_ slot: Unpickler.Slot) {
        if let id = slot.id { positions[id, default: []].append(slots.count) }
        slots.append(slot)
    }

    @discardableResult
    mutating func removeLast() -> Unpickler.Slot {
        let slot = slots.removeLast()
        if let id = slot.id { forgetTop(of: id) }
        return slot
    }

    /// Removes the top `n` entries (n ≤ count).
    mutating func removeLast(_ n: Int) {
        for _ in 0..<n { removeLast() }
    }

    /// Removes the entries from `start` to the top.
    mutating func removeSubrange(_ range: PartialRangeFrom<Int>) {
        removeLast(slots.count - range.lowerBound)
    }

    func suffix(_ n: Int) -> ArraySlice<Unpickler.Slot> { slots.suffix(n) }
    subscript(range: PartialRangeFrom<Int>) -> ArraySlice<Unpickler.Slot> { slots[range] }

    private mutating func forgetTop(of id: Int) {
        positions[id]?.removeLast()
        if positions[id]?.isEmpty == true { positions[id] = nil }
    }
}
