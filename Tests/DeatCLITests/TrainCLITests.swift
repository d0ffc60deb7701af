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

    /// The `config` of the training state a run saved in its checkpoint (safetensors: an 8-byte
    /// little-endian header length, then the JSON header whose metadata holds the state).
    func savedConfig(_ run: URL) throws -> [String: Any] {
        let bytes = try Data(contentsOf: run.appendingPathComponent("checkpoint.safetensors"))
        let length = bytes.prefix(8).enumerated().reduce(0) { $0 | Int($1.element) << (8 * $1.offset) }
        let header = try #require(try JSONSerialization.jsonObject(with: bytes.subdata(in: 8..<8 + length)) as? [String: Any])
        let metadata = try #require(header["__metadata__"] as? [String: String])
        let json = try #require(metadata["deat_train_state"])
        let state = try #require(try JSONSerialization.jsonObject(with: Data(json.utf8)) as? [String: Any])
        return try #require(state["config"] as? [String: Any])
    }

    @Test("--setting fast gives M+DEAT the FAST script's recipe, and options given explicitly win")
    func fastSetting() throws {
        try withTemporaryDirectory { dir in
            try CLIErrorTableTests.writeFixtures(in: dir)
            let out = dir.appendingPathComponent("fast")
            let result = try runProcess(deat, [
                "train", "--setting", "fast", "--method", "mplus-deat", "--dataset", "cifar10", "--data-dir", dir.appendingPathComponent("cifar10").path,
                "--batch-size", "8", "--epochs", "1", "--gamma", "1.05", "--threads", "1", "--out", out.path,
            ])
            try #require(result.status == 0, "\(result.stderr)")
            let c = try savedConfig(out)
            #expect(c["setting"] as? String == "fast")
            #expect(c["schedule"] as? String == "cyclic" && c["learningRate"] as? Double == 0.1)
            #expect(abs((c["alpha"] as? Double ?? 0) - 12.0 / 255) < 1e-12)
            #expect(c["iterations"] as? Int == 8 && c["validationSize"] as? Int == 0 && c["model"] as? String == "preact-resnet18")
            #expect(c["gamma"] as? Double == 1.05 && c["epochs"] as? Int == 1)  // given: not the recipe's 1.0 and 10
            // Evaluated once at the end: no epoch is selected.
            #expect(!FileManager.default.fileExists(atPath: out.appendingPathComponent("best.safetensors").path))
            let help = try runProcess(deat, ["train", "--help"])
            let text = help.stdout.split(whereSeparator: \.isWhitespace).joined(separator: " ")  // the help wraps lines anywhere
            for line in ["--setting", "γ = 1.0, α = 12/255", "DEAT-d 12 epochs"] { #expect(text.contains(line), "\(line)") }
        }
    }

    @Test("--verbose puts the data, M+ and checkpoint decisions on standard error at debug level; without it there are none")
    func verbose() throws {
        try withTemporaryDirectory { dir in
            try CLIErrorTableTests.writeFixtures(in: dir)
            let tiny = ["--dataset", "mnist", "--data-dir", dir.appendingPathComponent("mnist").path, "--batch-size", "4", "--epochs", "3",
                        "--validation-size", "4", "--threads", "1"]
            let quiet = try runProcess(deat, ["train"] + tiny + ["--out", dir.appendingPathComponent("quiet").path])
            try #require(quiet.status == 0, "\(quiet.stderr)")
            #expect(!quiet.stderr.contains("debug "), "\(quiet.stderr)")

            let out = dir.appendingPathComponent("verbose")
            let loud = try runProcess(deat, ["train"] + tiny + ["--out", out.path, "--verbose"])
            try #require(loud.status == 0, "\(loud.stderr)")
            let lines = loud.stderr.split(separator: "\n").map(String.init)
            let checkpoint = out.appendingPathComponent("checkpoint.safetensors").path
            for expected in [
                "debug deat.cli: libtorch ", "1 intra-op thread(s), device cpu, seed 0",
                "debug deat.training: data: mnist from \(dir.appendingPathComponent("mnist").path): 16 training images",
                "debug deat.training: no checkpoint at \(checkpoint): a fresh start",
                "debug deat.training: epoch 1 ended: M+ sum M = ", "warm-up epoch, count set to 2",
                "debug deat.training: epoch 2 ended: M+ sum M = ", "reference set to γ·M = 1.01·",
                "debug deat.training: epoch 3 ended: M+ sum M = ",
                "debug deat.training: checkpoint written: \(checkpoint) (end of epoch 3; next: epoch 4)",
            ] {
                #expect(lines.contains { $0.contains(expected) }, "\(expected)")
            }
            // Every diagnostic is a line of its own, and the run's results on standard output are unchanged.
            #expect(lines.filter { $0.contains("deat.training:") }.allSatisfy { $0.hasPrefix("debug deat.training: ") })
            #expect(!loud.stdout.contains("debug "))

            let resumed = try runProcess(deat, ["train", "--resume", out.path, "--threads", "1", "--verbose"])
            try #require(resumed.status == 0, "\(resumed.stderr)")
            #expect(resumed.stderr.contains("debug deat.training: resumed from \(checkpoint): epoch 4, batch 0, 12 minibatches trained so far"))
        }
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
