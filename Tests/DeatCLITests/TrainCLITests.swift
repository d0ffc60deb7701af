// `deat train` end to end: bad options rejected with one clear line, and a run killed with SIGKILL
// at several points (DEAT_FAULT_KILL_AT) resumes to exactly the final model of an uninterrupted run.
import Foundation
import Testing
import TestSupport

@Suite("deat train")
struct TrainCLITests {
    let deat = builtProduct("deat")

    @Test("bad options are rejected before any work", arguments: [
        ["train", "--method", "bogus"], ["train", "--eps", "2"], ["train", "--eps", "8/0"], ["train", "--eps", "abc"],
        ["train", "--epochs", "0"], ["train", "--model", "resnet50"], ["train", "--lr-schedule", "weekly"],
        ["train", "--resume", "/tmp/x", "--method", "pgd"], ["train", "--gamma", "-1"], ["train", "--iterations", "0"],
    ])
    func badOptions(arguments: [String]) throws {
        let result = try runProcess(deat, arguments)
        #expect(result.status != 0)
        #expect(result.stderr.contains("Error:") || result.stderr.contains("error:"))
        #expect(!result.stderr.contains("Fatal error"))
    }

    @Test("runtime problems are one line naming the cause")
    func runtimeErrors() throws {
        try withTemporaryDirectory { dir in
            let missing = try runProcess(deat, ["train", "--data-dir", dir.path, "--out", dir.appendingPathComponent("run").path])
            #expect(missing.status == 1)
            #expect(missing.stderr.hasPrefix("error: ") && missing.stderr.contains("train-images-idx3-ubyte"))
            let nothing = try runProcess(deat, ["train", "--resume", dir.path])
            #expect(nothing.status == 1)
            #expect(nothing.stderr.contains("nothing to resume"))
            #expect(nothing.stderr.split(separator: "\n").count == 1)
        }
    }

    @Test("the help explains every option with its default")
    func help() throws {
        let result = try runProcess(deat, ["train", "--help"])
        #expect(result.status == 0)
        for option in ["--method", "--eps", "--alpha", "--gamma", "--iterations", "--lr-schedule", "--resume", "--out", "--threads"] {
            #expect(result.stdout.contains(option), "\(option)")
        }
        #expect(result.stdout.contains("mplus-deat") && result.stdout.contains("8/255"))
        #expect(!result.stdout.contains("stop-after-batches"))
    }

    /// A small M+DEAT run: 3 epochs of 8 minibatches on the first 512 training images.
    func arguments(out: URL) -> [String] {
        ["train", "--train-subset", "512", "--batch-size", "64", "--epochs", "3", "--validation-size", "32", "--threads", "1",
         "--checkpoint-minutes", "0", "--out", out.path]
    }

    @Test("SIGKILL at several points, then --resume: the final model equals the uninterrupted run's",
          .enabled(if: fashionMNISTAvailable, fashionMNISTMissing))
    func killAndResume() throws {
        try withTemporaryDirectory { dir in
            let straight = dir.appendingPathComponent("straight")
            let reference = try runProcess(deat, arguments(out: straight))
            #expect(reference.status == 0, "\(reference.stderr)")
            let expected = try Data(contentsOf: straight.appendingPathComponent("model.safetensors"))

            let killed = dir.appendingPathComponent("killed")
            let checkpoint = killed.appendingPathComponent("checkpoint.safetensors")
            // Each kill counts from the start of its own process, which resumes from the checkpoint
            // the last one left (or starts afresh when none was written).
            for event in ["batch:3", "write:checkpoint.safetensors:2", "renamed:model.safetensors:1", "batch:10"] {
                let started = FileManager.default.fileExists(atPath: checkpoint.path)
                let result = try runDeat(started ? resumeArguments(killed) : arguments(out: killed), killAt: event)
                try #require(result.status == SIGKILL, "\(event) was not reached (exit \(result.status)): \(result.stderr)")
            }
            let resumed = try runProcess(deat, ["train", "--resume", killed.path, "--threads", "1"])
            #expect(resumed.status == 0, "\(resumed.stderr)")
            #expect(try Data(contentsOf: killed.appendingPathComponent("model.safetensors")) == expected)
            let log = try String(contentsOf: killed.appendingPathComponent("log.jsonl"), encoding: .utf8)
            #expect(log.split(separator: "\n").count == 3)
            #expect(try logWithoutTimes(killed) == logWithoutTimes(straight))
            #expect(try leftoverTemporaries(in: killed).isEmpty)
        }
    }

    @Test("an output directory holding a run is never overwritten", .enabled(if: fashionMNISTAvailable, fashionMNISTMissing))
    func noOverwrite() throws {
        try withTemporaryDirectory { dir in
            var args = arguments(out: dir)
            args += ["--stop-after-batches", "1"]
            #expect(try runProcess(deat, args).status == 0)
            let again = try runProcess(deat, arguments(out: dir))
            #expect(again.status == 1)
            #expect(again.stderr.contains("already holds a run"))
        }
    }
}
