// FaultInjection.swift: a test-only hook for killing `deat` at exact points. Timer kills land
// wherever the scheduler happens to be; the fault tests (Tests/DeatCLITests/FaultInjectionTests)
// also need the moments a timer almost never hits, such as a checkpoint half written. With
//
//   DEAT_FAULT_KILL_AT=<event>:<n>
//
// in the environment, the process sends itself SIGKILL the n-th time (1-based, counted within this
// process) it reaches <event>. Events:
//
//   batch                  a training minibatch has been stepped, before any checkpoint of it (Trainer)
//   write:<file name>      AtomicFile has written part of the temp file for <file name>
//   rename:<file name>     the temp file is complete and fsynced, not yet renamed over <file name>
//   renamed:<file name>    <file name> has just been replaced
//
// e.g. DEAT_FAULT_KILL_AT=write:checkpoint.safetensors:3. With DEAT_FAULT_KILL_RANK=<r> as well,
// only the data-parallel worker whose RANK is <r> counts and dies (workers inherit the launcher's
// environment). Without the variable (always, outside tests) `reached` returns at once; it lives
// here, beside AtomicFile, because the writer must call it between a partial write and the rename.
import Foundation

/// A test-only hook that kills the process at a named event (`DEAT_FAULT_KILL_AT=<event>:<n>`), such
/// as a checkpoint half written, so the fault tests reach moments a timer almost never hits.
public enum FaultInjection {
    /// The event and count from DEAT_FAULT_KILL_AT, read once; nil when unset or malformed, or in a
    /// process other than the worker DEAT_FAULT_KILL_RANK names.
    private static let target: (event: String, count: Int)? = {
        let environment = ProcessInfo.processInfo.environment
        guard let spec = environment["DEAT_FAULT_KILL_AT"],
              let colon = spec.lastIndex(of: ":"), let count = Int(spec[spec.index(after: colon)...]), count >= 1
        else { return nil }
        if let rank = environment["DEAT_FAULT_KILL_RANK"], environment["RANK"] != rank { return nil }
        return (String(spec[..<colon]), count)
    }()
    private static let seen = Counter()

    /// Marks that `event` happened; SIGKILLs the process at the configured occurrence.
    public static func reached(_ event: @autoclosure () -> String) {
        guard let target, target.event == event(), seen.increment() == target.count else { return }
        raise(SIGKILL)
    }

    /// Occurrences of the target event so far; a lock because a loader or attack thread may report too.
    private final class Counter: @unchecked Sendable {
        private let lock = NSLock()
        private var value = 0
        func increment() -> Int {
            lock.lock()
            defer { lock.unlock() }
            value += 1
            return value
        }
    }
}
