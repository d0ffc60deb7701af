// ChildProcess.swift: the one way a benchmark runs a child process (a PyTorch peer through
// PeerRunner, `deat bench peer-run`), through swift-subprocess: standard input closed, the
// environment inherited (thread counts and allocator variables reach the child as set), standard
// output and error collected while it runs (so a chatty child never blocks on a full pipe). A
// child that cannot start, exits non-zero or is killed is one error line with its stderr's last
// line. The bench commands are synchronous ParsableCommands; `blocking` bridges to the async API
// on an executor of its own.
import Foundation
import Subprocess
import Torch
#if canImport(System)
import System
#else
import SystemPackage
#endif

/// What a finished child printed.
public struct ChildRun: Sendable {
    public let output: String
    public let errorOutput: String

    /// The last non-empty line of `text` (a Python traceback's last line is the exception), shortened.
    static func tail(_ text: String) -> String? {
        guard let last = text.split(whereSeparator: \.isNewline).last(where: { !$0.allSatisfy(\.isWhitespace) }) else { return nil }
        let line = last.trimmingCharacters(in: .whitespaces)
        return line.count > 300 ? "…" + line.suffix(300) : line
    }
}

public enum ChildProcess {
    /// The most a child may print on each stream: peers print some progress and one JSON object.
    static let outputLimit = 64 << 20

    /// Runs `executable` with `arguments`, waits for it, and returns what it printed. A child that
    /// cannot start, exits non-zero or is killed is one error line, starting with `name` (default:
    /// the executable's file name and first two arguments), with its stderr tail. `environment` is
    /// added to (and overrides) this process's own (the peer at deat's allocator settings).
    public static func run(
        _ executable: String, _ arguments: [String], name: String? = nil, environment: [String: String] = [:]
    ) throws -> ChildRun {
        let name = name ?? ([URL(fileURLWithPath: executable).lastPathComponent] + arguments.prefix(2)).joined(separator: " ")
        benchLog.debug("running \(([executable] + arguments).joined(separator: " "))")
        let started = Date()
        var overrides: [Environment.Key: String?] = [:]
        for (key, value) in environment { overrides[Environment.Key(stringLiteral: key)] = value }
        let childEnvironment = Environment.inherit.updating(overrides)
        let (status, output, errorOutput): (TerminationStatus, String, String)
        do {
            (status, output, errorOutput) = try blocking {
                let result = try await Subprocess.run(
                    .path(FilePath(executable)), arguments: Arguments(arguments), environment: childEnvironment,
                    output: .string(limit: outputLimit), error: .string(limit: outputLimit))
                return (result.terminationStatus, result.standardOutput, result.standardError)
            }
        } catch let error as SubprocessError where error.code == .outputLimitExceeded {
            throw TorchError("\(name) printed more than \(outputLimit >> 20) MiB on one stream")
        } catch let error as SubprocessError {
            let reason = error.underlyingError.map { String(cString: strerror($0.rawValue)) } ?? "\(error)"
            throw TorchError("cannot start \(executable): \(reason)")
        }
        benchLog.debug("\(name) ended: \(status) after \(String(format: "%.1f", Date().timeIntervalSince(started))) s")
        let how: String? = switch status {
        case .exited(0): nil
        case .exited(let code): "exit \(code)"
        case .signaled(let signal): "killed by signal \(signal)"
        }
        if let how { throw TorchError("\(name) failed (\(how))\(ChildRun.tail(errorOutput).map { ": \($0)" } ?? "")") }
        return ChildRun(output: output, errorOutput: errorOutput)
    }

    /// Runs `work` and blocks the calling thread until it is done. `work` prefers `bridgeExecutor`
    /// to the cooperative pool, yet some of swift-subprocess's jobs still need a pool thread: on a
    /// 2-core machine two callers that are themselves pool threads (parallel Swift Testing tests)
    /// waiting here at once never returned. The `deat bench` commands call it from the main thread;
    /// tests that run children are serialized (PeerRunnerTests).
    static func blocking<T: Sendable>(_ work: @escaping @Sendable () async throws -> T) throws -> T {
        let box = ResultBox<T>()
        let done = DispatchSemaphore(value: 0)
        Task(executorPreference: bridgeExecutor) {
            do { box.result = .success(try await work()) } catch { box.result = .failure(error) }
            done.signal()
        }
        done.wait()
        return try box.result!.get()
    }

    static let bridgeExecutor = QueueExecutor(label: "deat.child-process")
}

/// A task executor over a concurrent dispatch queue of its own, which gets threads of its own
/// (an overcommitting queue) however many of the cooperative pool's are blocked.
final class QueueExecutor: TaskExecutor {
    let queue: DispatchQueue

    init(label: String) { queue = DispatchQueue(label: label, attributes: .concurrent) }

    func enqueue(_ job: consuming ExecutorJob) {
        let job = UnownedJob(job)
        queue.async { job.runSynchronously(on: self.asUnownedTaskExecutor()) }
    }
}

/// The task's result, handed to the waiting thread: written once before `signal`, read after `wait`,
/// which orders the two.
private final class ResultBox<T: Sendable>: @unchecked Sendable {
    var result: Result<T, any Error>?
}
