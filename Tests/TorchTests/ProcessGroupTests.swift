// ProcessGroup: c10d collectives between ranks (threads of this process over Gloo and a FileStore
// on loopback): sums, means through flat buckets, broadcasts, and a clear error instead of a hang
// when a rank never arrives.
import Foundation
import Testing
import TestSupport
@testable import Torch

@Suite("ProcessGroup (Gloo)", .enabled(if: ProcessGroup.availableBackends.contains(.gloo), "this libtorch has no Gloo backend"))
struct ProcessGroupTests {
    /// Runs `body(group)` on `n` ranks meeting through a fresh FileStore.
    func withGroup<T: Sendable>(_ n: Int, timeout: Double = 60, _ body: @escaping @Sendable (ProcessGroup) throws -> T) throws -> [T] {
        try withTemporaryDirectory { dir in
            let store = dir.appendingPathComponent("store").path
            return try runRanks(n) { rank in
                let group = try ProcessGroup(
                    rendezvous: .file(path: store), rank: rank, worldSize: n, timeout: timeout, glooDevice: "hostname:127.0.0.1")
                return try body(group)
            }.map { try $0.get() }
        }
    }

    @Test("all-reduce sums and broadcast copies rank 0's values, on every rank")
    func sumAndBroadcast() throws {
        let results = try withGroup(3) { group in
            let x = try Tensor([1.0, 2.0, 3.0].map { $0 * Double(group.rank + 1) })
            try group.allReduceSum(x)
            let b = try Tensor([Float(group.rank), Float(10 + group.rank)])
            try group.broadcast(b, from: 0)
            try group.barrier()
            return (try x.doubles(), try b.floats())
        }
        for (sum, broadcast) in results {
            #expect(sum == [6, 12, 18])  // (1 + 2 + 3)·[1, 2, 3]
            #expect(broadcast == [0, 10])
        }
    }

    @Test("allReduceMean averages tensors of several shapes, packed into buckets or not",
          arguments: [8, 64, 25 << 20])
    func meanBuckets(bucketBytes: Int) throws {
        let results = try withGroup(2) { group in
            let r = Double(group.rank)
            let tensors = [
                try Tensor([1 + r, 2 + r, 3 + r, 4 + r], shape: [2, 2]),
                try Tensor([10 * r], shape: [1]),
                try Tensor([Double](repeating: r, count: 12), shape: [3, 4]).transposed(0, 1),  // not contiguous
            ]
            try group.allReduceMean(tensors, bucketBytes: bucketBytes)
            return try tensors.map { try $0.contiguous().doubles() }
        }
        for values in results {
            #expect(values[0] == [1.5, 2.5, 3.5, 4.5])
            #expect(values[1] == [5])
            #expect(values[2] == [Double](repeating: 0.5, count: 12))
        }
    }

    @Test("buckets: consecutive same-dtype tensors up to the byte limit, a larger one alone")
    func bucketing() throws {
        let t = { (n: Int, dtype: DType) in try Tensor.zeros([n], dtype: dtype) }
        let buckets = try ProcessGroup.buckets(
            [t(2, .float32), t(2, .float32), t(10, .float32), t(1, .float64), t(1, .float64)], bucketBytes: 16)
        #expect(buckets.map { $0.map(\.count) } == [[2, 2], [10], [1, 1]])
    }

    @Test("a rank that never arrives is a clear error after the timeout, not a hang")
    func lonelyRank() throws {
        try withTemporaryDirectory { dir in
            let start = Date()
            #expect(throws: TorchError.self) {
                _ = try ProcessGroup(
                    rendezvous: .file(path: dir.appendingPathComponent("store").path), rank: 0, worldSize: 2, timeout: 1,
                    glooDevice: "hostname:127.0.0.1")
            }
            #expect(Date().timeIntervalSince(start) < 30)
        }
    }

    @Test("bad ranks and timeouts are refused before any network work")
    func badArguments() {
        #expect(throws: TorchError.self) { try ProcessGroup(rendezvous: .file(path: "/nonexistent/x"), rank: 2, worldSize: 2) }
        #expect(throws: TorchError.self) { try ProcessGroup(rendezvous: .file(path: "/nonexistent/x"), rank: 0, worldSize: 1, timeout: 0) }
        #expect(throws: TorchError.self) { try ProcessGroup(rendezvous: .tcp(host: "127.0.0.1", port: 70000), rank: 0, worldSize: 1) }
    }
}
