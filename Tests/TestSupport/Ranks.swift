// Ranks.swift: runs the ranks of a data-parallel group as threads of the test process, each with
// its own thread (never a shared pool: a rank waiting in a collective must not keep another rank
// from starting, which a busy pool in a parallel test run could do).
import Foundation

/// Runs `body(rank)` for every rank on its own thread and returns each rank's result in rank order.
public func runRanks<T: Sendable>(_ count: Int, _ body: @escaping @Sendable (Int) throws -> T) -> [Result<T, any Error>] {
    let slots = RankSlots<T>(count)
    let done = DispatchGroup()
    for rank in 0..<count {
        done.enter()
        let thread = Thread {
            slots.set(rank, Result { try body(rank) })
            done.leave()
        }
        thread.stackSize = 8 << 20
        thread.start()
    }
    done.wait()
    return slots.all()
}

private final class RankSlots<T: Sendable>: @unchecked Sendable {  // every access under `lock`
    private let lock = NSLock()
    private var results: [Result<T, any Error>?]
    init(_ n: Int) { results = Array(repeating: nil, count: n) }
    func set(_ rank: Int, _ result: Result<T, any Error>) { lock.withLock { results[rank] = result } }
    func all() -> [Result<T, any Error>] { lock.withLock { results.map { $0! } } }
}
