// `deat train` end to end: the help, and a run killed with SIGKILL at several points resuming to
// exactly the final model of an uninterrupted run. Bad options and files are rows of the error
// table (CLIErrorTableTests).
import Foundation
import Testing
import TestSupport

@Suite("deat train")
struct TrainCLITests {
    let deat = builtProduct("deat")

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
}
