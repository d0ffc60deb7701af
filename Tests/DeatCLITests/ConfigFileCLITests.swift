// `--config FILE.yaml` end to end (docs/architecture.md §9.5): a run's written config.yaml reruns
// it with the same TrainingConfig, options on the command line win over the file, every bad file
// is one line naming the key, and hostile bytes never crash the reader.
import Foundation
import Testing
import TestSupport

@Suite("deat --config")
struct ConfigFileCLITests {
    let deat = builtProduct("deat")

    /// A tiny training run with settings away from the defaults.
    func nonDefaultArguments(out: URL) -> [String] {
        ["train", "--method", "mplus-deat", "--setting", "fast", "--eps", "8/255", "--lr-milestones", "1/3,2/3",
         "--lr-schedule", "multistep", "--weight-averaging", "0.99", "--label-smoothing", "0.1", "--autocast", "bf16",
         "--gamma", "1.05", "--train-subset", "64", "--batch-size", "32", "--epochs", "1", "--validation-size", "0",
         "--threads", "1", "--seed", "7", "--out", out.path]
    }

    /// A saved config as JSON text with sorted keys: equal texts are equal configs (NSDictionary's
    /// isEqual on Linux compares bridged numbers unreliably).
    func canonical(_ config: [String: Any]) throws -> String {
        String(decoding: try JSONSerialization.data(withJSONObject: config, options: .sortedKeys), as: UTF8.self)
    }

    @Test("a run's config.yaml reruns it: the rerun's TrainingConfig equals the run's, and explicit options win",
          .enabled(if: fashionMNISTAvailable, fashionMNISTMissing))
    func roundTrip() throws {
        try withTemporaryDirectory { dir in
            let first = dir.appendingPathComponent("first")
            let original = try runProcess(deat, nonDefaultArguments(out: first))
            try #require(original.status == 0, "\(original.stderr)")
            let written = first.appendingPathComponent("config.yaml")
            let text = try String(contentsOf: written, encoding: .utf8)
            #expect(text.hasPrefix("# The configuration of this deat train run"))
            for line in ["method: mplus-deat", "setting: fast", "lr-milestones: 1/3,2/3", "weight-averaging: 0.99", "autocast: bf16", "seed: 7",
                         "momentum: 0.9", "checkpoint-minutes: 10.0"] {  // given and defaults alike
                #expect(text.contains("\n\(line)\n"), "\(line)")
            }
            let expected = try TrainCLITests().savedConfig(first)

            let second = dir.appendingPathComponent("second")
            let rerun = try runProcess(deat, ["train", "--config", written.path, "--out", second.path])
            try #require(rerun.status == 0, "\(rerun.stderr)")
            #expect(try canonical(TrainCLITests().savedConfig(second)) == canonical(expected))
            // Its own config.yaml differs from the first only in the output directory.
            let secondText = try String(contentsOf: second.appendingPathComponent("config.yaml"), encoding: .utf8)
            #expect(secondText.replacingOccurrences(of: second.path, with: first.path) == text)

            // An option on the command line wins over the file's value, whatever the order.
            let third = dir.appendingPathComponent("third")
            let overridden = try runProcess(deat, ["train", "--lr=0.02", "--config", written.path, "--out", third.path, "--seed", "3"])
            try #require(overridden.status == 0, "\(overridden.stderr)")
            var changed = try TrainCLITests().savedConfig(third)
            #expect(changed["learningRate"] as? Double == 0.02 && changed["seed"] as? Int == 3)
            changed["learningRate"] = expected["learningRate"]
            changed["seed"] = expected["seed"]
            #expect(try canonical(changed) == canonical(expected))

            // Rerunning into the run's own directory is refused: it already holds a run.
            let again = try runProcess(deat, ["train", "--config", written.path])
            DeatCLITests().expectOneLineError(again, mentioning: "already holds a run")
        }
    }

    @Test("a bad config file is one line naming the file and the key", arguments: [
        ("epoch: 3\n", "unknown key 'epoch' (did you mean 'epochs'?)"),
        ("epochs: three\n", "key 'epochs': The value 'three' is invalid for '--epochs <epochs>'"),
        ("epochs: 0\n", "key 'epochs': --epochs must be at least 1"),
        ("lr-schedule: sometimes\n", "key 'lr-schedule':"),
        ("epochs: [1, 2]\n", "key 'epochs': expected a single value, got a list"),
        ("eps: {value: 0.1}\n", "key 'eps': expected a single value, got a mapping"),
        ("keep-epochs: maybe\n", "key 'keep-epochs': a switch takes true or false, got 'maybe'"),
        ("epochs: 1\n  eps: : 2\n", "not valid YAML: mapping values are not allowed in this context at line 2"),
        ("- epochs\n- 1\n", "expected a mapping of option names to values"),
        ("epochs: 1\nepochs: 2\n", "key 'epochs': given twice"),
    ])
    func badFile(yaml: String, message: String) throws {
        try withTemporaryDirectory { dir in
            let file = dir.appendingPathComponent("bad.yaml")
            try Data(yaml.utf8).write(to: file)
            let result = try runProcess(deat, ["train", "--config", file.path, "--out", dir.appendingPathComponent("run").path])
            #expect(result.status == 64)
            DeatCLITests().expectOneLineError(result, mentioning: "config \(file.path): \(message)")
            #expect(!FileManager.default.fileExists(atPath: dir.appendingPathComponent("run").path))
        }
    }

    @Test("a missing file, and --config without a command, are one line")
    func missingFile() throws {
        DeatCLITests().expectOneLineError(try runProcess(deat, ["train", "--config", "/nonexistent/x.yaml"]), mentioning: "config /nonexistent/x.yaml: no such file")
        DeatCLITests().expectOneLineError(try runProcess(deat, ["--config", "x.yaml"]), mentioning: "--config goes after a command")
        DeatCLITests().expectOneLineError(try runProcess(deat, ["train", "--config"]), mentioning: "--config needs a file")
    }

    @Test("eval and bench paper read config files with their own keys")
    func otherCommands() throws {
        try withTemporaryDirectory { dir in
            let file = dir.appendingPathComponent("eval.yaml")
            try Data("attacks: pgd-20\nn: -5\n".utf8).write(to: file)
            DeatCLITests().expectOneLineError(try runProcess(deat, ["eval", "model.safetensors", "--config", file.path]), mentioning: "key 'n':")
            try Data("epochs: 3\n".utf8).write(to: file)  // a training option, not eval's
            DeatCLITests().expectOneLineError(try runProcess(deat, ["eval", "model.safetensors", "--config", file.path]), mentioning: "unknown key 'epochs'")
            try Data("epochs: 3\nselect: neither\n".utf8).write(to: file)  // bench paper has --epochs, and --select parses
            DeatCLITests().expectOneLineError(try runProcess(deat, ["bench", "paper", "--config", file.path]), mentioning: "key 'select':")
        }
    }

    @Test("random and mutated bytes as a config file never crash deat: a usage error, exit 64")
    func hostileBytes() throws {
        var random = SplitMix64(seed: 22)
        let valid = Array("attacks: pgd-20\nn: 10\nnorm: Linf\nbatch-size: [1]\n".utf8)
        try withTemporaryDirectory { dir in
            let file = dir.appendingPathComponent("fuzz.yaml")
            for round in 0..<60 {
                var bytes = valid
                if round % 2 == 0 {
                    bytes = (0..<Int.random(in: 0...200, using: &random)).map { _ in UInt8.random(in: 0...255, using: &random) }
                } else {
                    for _ in 0..<Int.random(in: 1...6, using: &random) {
                        bytes[Int.random(in: 0..<bytes.count, using: &random)] = Array(":-[]{}#&*!|>'\"%@`\n \t\0\u{7f}".utf8).randomElement(using: &random)!
                    }
                }
                try Data(bytes).write(to: file)
                // eval without its model argument: whatever the file holds, nothing runs.
                let result = try runProcess(deat, ["eval", "--config", file.path])
                #expect(result.status == 64, "round \(round): \(result.stderr)")
                #expect(!result.stderr.contains("Fatal error") && !result.stderr.contains("Stack dump"), "round \(round)")
            }
        }
    }
}
