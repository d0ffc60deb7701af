// Worker.swift: runs one parser over a range of input indices in this process, and leaves a crash
// record behind if a parser traps, so the campaign (Campaign.swift) can save the input and resume.
//
// A Swift trap kills the process, so the input must be on disk by then: the current input and the
// counters live in one preallocated buffer, and a signal handler (on its own stack, so a stack
// overflow can run it too) writes that buffer with open/write/close only, which are async-signal-safe,
// then re-raises the signal. SIGALRM, re-armed every 64 inputs, turns a hang into such a record.
// RLIMIT_AS keeps the address space within 2 GiB of the starting size: an allocation sized by a
// hostile header fails there, and that failure is a trap recorded like any other.
//
// Record layout, little-endian UInt64s: input index, parsed count, rejected count, input length,
// signal number, phase (0 while the harness builds the input, 1 while the parser runs); then the input.

import Foundation

enum CrashRecord {
    static let headerSize = 48
    nonisolated(unsafe) static let buffer = UnsafeMutableRawPointer.allocate(byteCount: headerSize + maxInputSize, alignment: 8)
    nonisolated(unsafe) static var path: UnsafeMutablePointer<CChar>?

    /// The crash record of a dead worker, as the campaign reads it back.
    struct Contents {
        let index: Int
        let parsed: Int
        let rejected: Int
        let signal: Int32
        /// False when the harness itself died building input `index`: not the parser's fault.
        let inParser: Bool
        let input: [UInt8]

        init?(_ data: [UInt8]) {
            guard data.count >= CrashRecord.headerSize else { return nil }
            func field(_ i: Int) -> Int {
                Int(truncatingIfNeeded: (0..<8).reduce(UInt64(0)) { $0 | UInt64(data[8 * i + $1]) << (8 * UInt64($1)) })
            }
            guard field(3) == data.count - CrashRecord.headerSize else { return nil }
            index = field(0)
            parsed = field(1)
            rejected = field(2)
            signal = Int32(truncatingIfNeeded: field(4))
            inParser = field(5) == 1
            input = Array(data[CrashRecord.headerSize...])
        }
    }

    /// Records that the harness is building input `index` (a crash now is the harness's own).
    static func building(index: Int, parsed: Int, rejected: Int) {
        store([index, parsed, rejected, 0, 0, 0])
    }

    /// Makes `input` the one a crash would record.
    static func parsing(index: Int, parsed: Int, rejected: Int, input: [UInt8]) {
        input.withUnsafeBytes { buffer.advanced(by: headerSize).copyMemory(from: $0.baseAddress!, byteCount: $0.count) }
        store([index, parsed, rejected, input.count, 0, 1])
    }

    private static func store(_ fields: [Int]) {
        for (i, value) in fields.enumerated() {
            buffer.storeBytes(of: UInt64(truncatingIfNeeded: value).littleEndian, toByteOffset: 8 * i, as: UInt64.self)
        }
    }

    /// Installs the handler for the signals a trap, a bad access or a hang raise.
    static func install(path recordPath: String) {
        path = strdup(recordPath)
        var stack = stack_t()
        stack.ss_sp = UnsafeMutableRawPointer.allocate(byteCount: 1 << 16, alignment: 16)
        stack.ss_size = 1 << 16
        sigaltstack(&stack, nil)
        var action = sigaction()
        #if os(Linux)
        action.__sigaction_handler.sa_handler = crashHandler
        #else
        action.__sigaction_u.__sa_handler = crashHandler
        #endif
        action.sa_flags = Int32(SA_ONSTACK)
        sigemptyset(&action.sa_mask)
        for signal in [SIGILL, SIGTRAP, SIGSEGV, SIGBUS, SIGABRT, SIGFPE, SIGALRM] { sigaction(signal, &action, nil) }
    }
}

/// Writes the crash record, then dies of `signal` as the trap would have.
private func crashHandler(_ signal: Int32) {
    let buffer = CrashRecord.buffer
    buffer.storeBytes(of: UInt64(signal).littleEndian, toByteOffset: 32, as: UInt64.self)
    let total = CrashRecord.headerSize + Int(UInt64(littleEndian: buffer.load(fromByteOffset: 24, as: UInt64.self)))
    if let path = CrashRecord.path {
        let fd = open(path, O_WRONLY | O_CREAT | O_TRUNC, 0o644)
        if fd >= 0 {
            var written = 0
            while written < total {
                let n = write(fd, buffer.advanced(by: written), total - written)
                if n <= 0 { break }
                written += n
            }
            close(fd)
        }
    }
    Foundation.signal(signal, SIG_DFL)
    raise(signal)
}

enum Worker {
    /// Runs inputs `from..<to` of `target` in run `seed`; prints the counts as one line when all passed.
    static func run(_ target: FuzzTarget, seed: UInt64, from: Int, to: Int, recordPath: String, hangSeconds: UInt32) {
        CrashRecord.install(path: recordPath)
        limitAddressSpace(extraBytes: 2 << 30)
        var parsed = 0, rejected = 0
        for index in from..<to {
            CrashRecord.building(index: index, parsed: parsed, rejected: rejected)
            let input = target.input(seed: seed, index: index)
            CrashRecord.parsing(index: index, parsed: parsed, rejected: rejected, input: input)
            if (index - from) % 64 == 0 { alarm(hangSeconds) }
            switch target.check(input) {
            case .parsed: parsed += 1
            case .rejected: rejected += 1
            }
        }
        alarm(0)
        var usage = rusage()
        #if os(Linux)
        getrusage(__rusage_who_t(RUSAGE_SELF.rawValue), &usage)
        #else
        getrusage(RUSAGE_SELF, &usage)
        #endif
        print("parsed \(parsed) rejected \(rejected) maxrss_kb \(usage.ru_maxrss)")
    }

    /// Caps the address space at its current size plus `extraBytes` (Linux only: macOS ignores RLIMIT_AS).
    static func limitAddressSpace(extraBytes: Int) {
        #if os(Linux)
        guard let statm = try? String(contentsOfFile: "/proc/self/statm", encoding: .utf8),
              let pages = statm.split(separator: " ").first.flatMap({ Int($0) })
        else { return }
        let bytes = rlim_t(pages * Int(sysconf(Int32(_SC_PAGESIZE))) + extraBytes)
        var limit = rlimit(rlim_cur: bytes, rlim_max: bytes)
        setrlimit(__rlimit_resource_t(RLIMIT_AS.rawValue), &limit)
        #endif
    }
}
