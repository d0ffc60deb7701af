// PeerRunnerTests.swift: the one way `deat bench` runs a PyTorch peer: its checks name the fix, it
// always passes --threads, it reads the JSON object printed last, and a failing peer is one line with
// the tail of its standard error; children run through ChildProcess (swift-subprocess). Stand-in peers are shell scripts run by /bin/sh; the real peers
// (scripts/bench/step.py, throughput.py) run when Debian's python3-torch is installed.
import Foundation
import Testing
import TestSupport
import Torch
@testable import Benchmarks

/// The repository root, found from this file (Tests/BenchmarksTests/…), so the tests do not depend on the working directory.
let pythonTorchAvailable = FileManager.default.fileExists(atPath: "/usr/lib/python3/dist-packages/torch/__init__.py")
    && FileManager.default.isExecutableFile(atPath: PeerRunner.defaultPython)

@Suite("Benchmarks: the PyTorch peer runner", .serialized)
struct PeerRunnerTests {
    /// Writes `body` as `name` in `dir`, a stand-in peer for `/bin/sh`.
    func peer(_ body: String, _ name: String = "peer.sh", in dir: URL) throws {
        try Data(body.utf8).write(to: dir.appendingPathComponent(name))
    }

    @Test("a missing interpreter is one line naming scripts/dev.sh deps and --python")
    func missingInterpreter() throws {
        let runner = PeerRunner(python: "/nonexistent/python3", directory: "scripts/bench", threads: 1)
        let error = try #require(throws: TorchError.self) { try runner.check("step.py") }
        #expect(error.message == error.oneLine)
        #expect(error.message.contains("/nonexistent/python3 not found"))
        #expect(error.message.contains("scripts/dev.sh deps") && error.message.contains("--python"))
    }

    @Test("a missing script is one line naming --peers")
    func missingScript() throws {
        try withTemporaryDirectory { dir in
            let runner = PeerRunner(python: "/bin/sh", directory: dir.path, threads: 1)
            let error = try #require(throws: TorchError.self) { try runner.run("step.py", []) }
            #expect(error.message.contains("\(dir.path)/step.py not found") && error.message.contains("--peers"))
        }
    }

    @Test("the thread count is passed, noise before the result is skipped, the last JSON object is read")
    func readsLastObject() throws {
        try withTemporaryDirectory { dir in
            try peer("""
                echo 'warming up'
                echo '{"seconds": 1.0}'
                echo 'a warning' >&2
                echo "{\\"args\\": \\"$*\\", \\"seconds\\": 0.25, \\"count\\": 3, \\"list\\": [1, 2.5], \\"nested\\": {\\"x\\": 7}, \\"peak_rss_kib\\": 4321}"
                echo ''
                """, in: dir)
            let result = try PeerRunner(python: "/bin/sh", directory: dir.path, threads: 3).run("peer.sh", ["step", "--batch", "8"])
            #expect(result.json["args"] as? String == "step --batch 8 --threads 3")
            #expect(try result.double("seconds") == 0.25)
            #expect(try result.int("count") == 3)
            #expect(try result.double("count") == 3)
            #expect(try result.doubles("list") == [1, 2.5])
            #expect(try result.object("nested").int("x") == 7)
            #expect(result.peakKiB == 4321)  // the child's own report
            let missing = try #require(throws: TorchError.self) { try result.double("seconds_per_step") }
            #expect(missing.message.contains("has no seconds_per_step figure") && missing.message.contains("peer.sh"))
        }
    }

    @Test("a peer at equal allocator settings sees glibc's thresholds in its environment, and this process's own variables too")
    func equalAllocatorEnvironment() throws {
        try withTemporaryDirectory { dir in
            try peer(#"echo "{\"mmap\": \"${MALLOC_MMAP_THRESHOLD_:-unset}\", \"trim\": \"${MALLOC_TRIM_THRESHOLD_:-unset}\", \"path\": \"${PATH:+set}\"}""#, in: dir)
            let runner = PeerRunner(python: "/bin/sh", directory: dir.path, threads: 1)
            let equal = try runner.run("peer.sh", [], environment: PeerRunner.equalAllocator)
            #expect(equal.json["mmap"] as? String == "1073741824" && equal.json["trim"] as? String == "1073741824")
            #expect(equal.json["path"] as? String == "set")
            let plain = try runner.run("peer.sh", [])
            #expect(plain.json["mmap"] as? String == ProcessInfo.processInfo.environment["MALLOC_MMAP_THRESHOLD_"] ?? "unset")
        }
    }

    @Test("a failing peer is one line with its exit status and the last line of its standard error")
    func failingPeer() throws {
        try withTemporaryDirectory { dir in
            try peer("""
                echo 'Traceback (most recent call last):' >&2
                echo '  File "step.py", line 1' >&2
                echo "ModuleNotFoundError: No module named 'torch'" >&2
                exit 3
                """, in: dir)
            let runner = PeerRunner(python: "/bin/sh", directory: dir.path, threads: 1)
            let error = try #require(throws: TorchError.self) { try runner.run("peer.sh", []) }
            #expect(error.message == error.oneLine)
            #expect(error.message.contains("peer.sh failed (exit 3)"))
            #expect(error.message.hasSuffix("ModuleNotFoundError: No module named 'torch'"))
        }
    }

    @Test("a peer that prints no JSON object is an error, with its standard error's tail")
    func noResult() throws {
        try withTemporaryDirectory { dir in
            try peer("echo 'done'; echo 'nothing to report' >&2", in: dir)
            let error = try #require(throws: TorchError.self) {
                try PeerRunner(python: "/bin/sh", directory: dir.path, threads: 1).run("peer.sh", [])
            }
            #expect(error.message.contains("printed no JSON result: nothing to report"))
        }
    }

    @Test("a child that cannot start is one line naming it; a non-zero exit without standard error is one line too")
    func cannotStart() throws {
        let missing = try #require(throws: TorchError.self) { try ChildProcess.run("/nonexistent/deat", ["bench"]) }
        #expect(missing.message == missing.oneLine)
        #expect(missing.message.hasPrefix("cannot start /nonexistent/deat: "))
        let silent = try #require(throws: TorchError.self) { try ChildProcess.run("/bin/sh", ["-c", "exit 7"], name: "the peer") }
        #expect(silent.message == "the peer failed (exit 7)")
    }

    @Test("a chatty child (megabytes on both streams) finishes and its last line is read; the environment is inherited")
    func chattyChild() throws {
        setenv("DEAT_CHILD_PROCESS_TEST", "inherited", 1)
        let run = try ChildProcess.run(
            "/bin/sh", ["-c", "yes 'progress line' | head -c 3000000; yes 'warning' | head -c 3000000 >&2; echo \"$DEAT_CHILD_PROCESS_TEST\""])
        #expect(run.output.utf8.count > 3_000_000 && run.errorOutput.utf8.count == 3_000_000)
        #expect(run.output.hasSuffix("inherited\n"))
    }

    @Test("a child killed by a signal is reported as such")
    func killedChild() throws {
        let error = try #require(throws: TorchError.self) { try ChildProcess.run("/bin/sh", ["-c", "kill -9 $$"]) }
        #expect(error.message.contains("killed by signal 9"))
    }

    @Test("scripts/bench/step.py ops through the runner: the figure deat bench ops reads", .enabled(if: pythonTorchAvailable))
    func realOpsPeer() throws {
        let runner = PeerRunner(directory: repositoryRoot.appendingPathComponent("scripts/bench").path, threads: 1)
        let bench = OpsBenchmark(count: 200)
        let result = try runner.run(OpsBenchmark.peerScript, bench.peerArguments)
        #expect(try OpsBenchmark.peerSeconds(result) > 0)
        #expect(try result.int("threads") == 1)
        #expect(try result.int("ops") == 200)
        #expect(result.peakKiB > 50_000)  // its own ru_maxrss: an interpreter with torch loaded
    }

    @Test("scripts/bench/throughput.py through the runner: one figure per work", .enabled(if: pythonTorchAvailable))
    func realThroughputPeer() throws {
        let runner = PeerRunner(directory: repositoryRoot.appendingPathComponent("scripts/bench").path, threads: 1)
        let bench = ThroughputBenchmark(
            model: .smallCNN, batch: 4, work: [.deatReplay, .pgdStep], replays: 2, pgdSteps: 2, iterations: 1, warmup: 0)
        let seconds = try bench.peerSeconds(runner.run(ThroughputBenchmark.peerScript, bench.peerArguments(device: "cpu")))
        #expect(seconds.keys.sorted { $0.rawValue < $1.rawValue } == [.deatReplay, .pgdStep])
        #expect(seconds.values.allSatisfy { $0 > 0 })
    }
}
