// HostReads.swift: counts device→host reads (`scalars`, `bytes`, `item`). On CUDA each one waits for
// the GPU to finish everything queued before it, so a training or attack loop that reads a value
// per iteration runs at the speed of the round trip instead of the GPU's. Counting works on any
// device, so CPU-only tests can prove that the loops make only the reads they mean to.
//
//   let reads = try HostReads.count { _ = try method.step(images: x, labels: y, context: c) }   // 1
/// Counts device→host reads (`scalars`, `bytes`, `item`), so tests can prove that a loop reads only
/// what it means to: on CUDA every such read waits for the whole queue.
public enum HostReads {
    final class Tally: @unchecked Sendable {
        // Only touched by the task (or thread) that installed it, through the task-local below.
        var reads = 0
    }

    @TaskLocal static var tally: Tally?

    /// Runs `body` and returns how many device→host reads it made on this task or thread.
    public static func count(_ body: () throws -> Void) rethrows -> Int {
        let tally = Tally()
        try $tally.withValue(tally) { try body() }
        return tally.reads
    }

    @inline(__always)
    static func record() {
        tally?.reads += 1
    }
}
