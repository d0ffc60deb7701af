// BenchCLITests.swift: the micro-benchmarks under `deat bench` (step, ops, loader, attacks) and the
// PyTorch peer checks every bench shares: their refusals, and tiny real runs of `step` and `ops`
// against the PyTorch peers when Debian's python3-torch is installed. Their help is checked with the
// other bench commands' in ReportBenchCLITests.
import Foundation
import Testing
import TestSupport

private let pythonTorchAvailable = FileManager.default.fileExists(atPath: "/usr/lib/python3/dist-packages/torch/__init__.py")
/// The repository root (the peers are found as scripts/bench relative to it).

@Suite("deat bench step, ops, loader and attacks")
struct BenchCLITests {
    let deat = builtProduct("deat")

    @Test("bad options are usage errors", arguments: [
        (["bench", "step", "--model", "bogus"], "unknown model 'bogus'"),
        (["bench", "step", "--iters", "0"], "--batch and --iters must be at least 1"),
        (["bench", "ops", "--rounds", "0"], "--rounds must be at least 1"),
        (["bench", "ops", "--threads", "0"], "--threads must be at least 1"),
        (["bench", "ops", "--count", "0"], "--count must be at least 1"),
        (["bench", "loader", "--prefetch", "0"], "--prefetch must be at least 1"),
        (["bench", "loader", "--device", "tpu"], "unknown device 'tpu'"),
        (["bench", "attacks"], "Missing expected argument '<model>'"),
    ])
    func usage(arguments: [String], message: String) throws {
        let result = try runProcess(deat, arguments)
        #expect(result.status == 64, "\(arguments): \(result.stderr)")
        #expect(result.stderr.contains(message), "\(arguments): \(result.stderr)")
    }

    @Test("a missing interpreter or peer directory is one line that names the fix, before anything is timed", arguments: [
        (["bench", "step", "--python", "/nonexistent/python3"], "/nonexistent/python3 not found: install Debian's python3-torch (scripts/dev.sh deps) or pass --python"),
        (["bench", "ops", "--python", "/nonexistent/python3"], "scripts/dev.sh deps"),
        (["bench", "ops", "--python", "/bin/sh", "--peers", "/nonexistent/bench"], "/nonexistent/bench/step.py not found"),
        (["bench", "attacks", "/nonexistent/model.safetensors", "--python", "/nonexistent/python3"], "/nonexistent/python3 not found"),
        (["bench", "peer", "--python", "/nonexistent/python3"], "scripts/dev.sh deps"),
        (["bench", "throughput", "--python", "/nonexistent/python3"], "scripts/dev.sh deps"),
    ])
    func missingPeer(arguments: [String], message: String) throws {
        let result = try runProcess(deat, arguments + ["--threads", "1"])
        #expect(result.status == 1, "\(arguments): \(result.stderr)")
        let lines = result.stderr.split(separator: "\n")
        #expect(lines.count == 1 && lines[0].hasPrefix("error: ") && lines[0].contains(message), "\(arguments): \(result.stderr)")
        #expect(result.stdout.isEmpty, "\(arguments): \(result.stdout)")
    }

    @Test("a failing peer is one error line with its standard error's last line")
    func failingPeer() throws {
        try withTemporaryDirectory { dir in
            try Data("echo 'Traceback (most recent call last):' >&2; echo 'RuntimeError: boom' >&2; exit 1\n".utf8)
                .write(to: dir.appendingPathComponent("step.py"))
            let result = try runProcess(deat, ["bench", "ops", "--count", "10", "--rounds", "1", "--threads", "1",
                                               "--python", "/bin/sh", "--peers", dir.path])
            #expect(result.status == 1)
            #expect(result.stderr == "error: the PyTorch peer \(dir.path)/step.py failed (exit 1): RuntimeError: boom\n", "\(result.stderr)")
        }
    }

    @Test("tiny real runs: step and ops print deat, PyTorch and their ratio", .enabled(if: pythonTorchAvailable), arguments: [
        ["bench", "step", "--batch", "8", "--iters", "1", "--warmup", "0", "--rounds", "1"],
        ["bench", "ops", "--count", "100", "--rounds", "1"],
    ])
    func realRun(arguments: [String]) throws {
        let result = try runProcess(deat, arguments + ["--threads", "1", "--peers", repositoryRoot.appendingPathComponent("scripts/bench").path])
        #expect(result.status == 0, "\(result.stderr)")
        for row in ["deat (Swift)", "PyTorch (Python)", "ratio deat/PyTorch (time)"] {
            #expect(result.stdout.contains(row), "\(arguments): \(result.stdout)")
        }
        let ratio = result.stdout.split(separator: "\n").first { $0.hasPrefix("ratio deat/PyTorch") }
            .flatMap { Double($0.split(separator: " ").last ?? "") }
        #expect(ratio.map { $0 > 0 && $0.isFinite } == true, "\(result.stdout)")
    }
}
