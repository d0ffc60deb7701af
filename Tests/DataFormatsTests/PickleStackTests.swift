// PickleStack: the topmost entry of each object is found without scanning, and stays right through
// pushes, pops from the top and in-place updates; a pickle of 300,000 memo lookups over a deep stack
// (quadratic before: a scan per lookup) is read to its end and refused for its leftover stack.
import Foundation
import Testing
@testable import DataFormats

@Suite("Pickle stack")
struct PickleStackTests {
    func slot(_ id: Int?, _ n: Int64) -> Unpickler.Slot { Unpickler.Slot(value: .int(n), id: id, depth: 0) }

    @Test("top(of:) is the topmost entry of an identity through pushes, pops and updates")
    func topmost() {
        var stack = PickleStack()
        stack.append(slot(1, 10))
        stack.append(slot(nil, 0))
        stack.append(slot(1, 11))
        stack.append(slot(2, 20))
        #expect(stack.top(of: 1)?.value == .int(11))
        stack[2] = slot(1, 12)  // in-place update of the topmost copy
        #expect(stack.top(of: 1)?.value == .int(12))
        stack.removeLast(2)
        #expect(stack.top(of: 1)?.value == .int(10))
        #expect(stack.top(of: 2) == nil)
        stack.removeSubrange(0...)
        #expect(stack.isEmpty && stack.top(of: 1) == nil)
    }

    @Test("300,000 lookups of one list over a growing stack are read to the end, then refused")
    func manyLookups() {
        var bytes: [UInt8] = [0x80, 0x02, 0x5D, 0x71, 0x00]  // PROTO 2, EMPTY_LIST, BINPUT 0
        for _ in 0..<300_000 { bytes += [0x68, 0x00] }          // BINGET 0
        bytes.append(0x2E)                                       // STOP
        #expect(throws: DatasetError.self) { _ = try Pickle.parse(bytes) }
    }
}
