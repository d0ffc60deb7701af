// `deat train --nproc-per-node 2` and the torchrun environment contract, end to end: a 2-worker run
// on Fashion-MNIST, a worker killed mid-run at a fixed minibatch (DEAT_FAULT_KILL_AT with
// DEAT_FAULT_KILL_RANK; the launcher stops the other at once and says which died), the resume on
// 2 workers ending with the uninterrupted run's exact model, and one clear line for every misuse
// (wrong world size on resume, a half-set environment, contradictory options).
import Foundation
import Testing
import TestSupport

@Suite("deat train, data-parallel", .serialized, .enabled(if: fashionMNISTAvailable, fashionMNISTMissing))
struct DistributedCLITests {
    let deat = builtProduct("deat")

    func arguments(out: URL) -> [String] {
        ["train", "--nproc-per-node", "2", "--train-subset", "1024", "--batch-size", "32", "--epochs", "2",
         "--validation-size", "16", "--threads", "1", "--checkpoint-minutes", "0", "--dist-timeout", "60", "--out", out.path]
    }

    @Test("2 workers train, a killed worker stops the run with one line naming it, and the resume ends with the uninterrupted run's model")
    func killAndResume() throws {
        try withTemporaryDirectory { dir in
            let straight = dir.appendingPathComponent("straight")
            let reference = try runProcess(deat, arguments(out: straight))
            #expect(reference.status == 0, "\(reference.stderr)")
            #expect(reference.stdout.contains("× 2 processes (gloo)"))
            let log = try String(contentsOf: straight.appendingPathComponent("log.jsonl"), encoding: .utf8)
            #expect(log.split(separator: "\n").count == 2)

            // Rank 1 kills itself after its 5th minibatch, mid-epoch 1; rank 0 has checkpointed the 4th
            // and waits for rank 1 in the next collective, until the launcher stops it.
            let killed = dir.appendingPathComponent("killed")
            var environment = ProcessInfo.processInfo.environment
            environment["DEAT_FAULT_KILL_AT"] = "batch:5"
            environment["DEAT_FAULT_KILL_RANK"] = "1"
            let result = try runProcess(deat, arguments(out: killed), environment: environment)
            let stopped = Date()
            // Within seconds of the kill, not after the 60 s collective timeout.
            let checkpoint = killed.appendingPathComponent("checkpoint.safetensors")
            let lastCheckpoint = try #require(FileManager.default.attributesOfItem(atPath: checkpoint.path)[.modificationDate] as? Date)
            #expect(stopped.timeIntervalSince(lastCheckpoint) < 30, "the run did not stop promptly")
            #expect(result.status == 1)
            let last = result.stderr.split(separator: "\n").last.map(String.init) ?? ""
            #expect(last.hasPrefix("error: worker rank 1 of 2 was killed by signal 9"), "\(last)")
            #expect(last.contains("--resume \(killed.path) --nproc-per-node 2"))
            #expect(!result.stderr.contains("Fatal error"))

            let wrongSize = try runProcess(deat, ["train", "--resume", killed.path, "--threads", "1"])
            #expect(wrongSize.status == 1)
            #expect(wrongSize.stderr.contains("trained by 2 process(es)") && wrongSize.stderr.split(separator: "\n").count == 1)

            let resumed = try runProcess(deat, ["train", "--resume", killed.path, "--nproc-per-node", "2", "--threads", "1"])
            #expect(resumed.status == 0, "\(resumed.stderr)")
            #expect(try Data(contentsOf: killed.appendingPathComponent("model.safetensors"))
                == Data(contentsOf: straight.appendingPathComponent("model.safetensors")))
        }
    }

    @Test("a half-set torchrun environment and contradictory options are one clear line", arguments: [
        (["WORLD_SIZE": "2"], [String](), "RANK"),
        (["WORLD_SIZE": "2", "RANK": "0", "MASTER_ADDR": "127.0.0.1"], [], "MASTER_PORT"),
        (["WORLD_SIZE": "2", "RANK": "2", "MASTER_ADDR": "127.0.0.1", "MASTER_PORT": "29500"], [], "RANK=2"),
        (["WORLD_SIZE": "two"], [], "WORLD_SIZE=two"),
        (["WORLD_SIZE": "2", "RANK": "0", "MASTER_ADDR": "127.0.0.1", "MASTER_PORT": "29500"], ["--nproc-per-node", "2"], "drop it"),
        ([:], ["--nproc-per-node", "0"], "at least 1"),
        ([:], ["--dist-timeout", "-1"], "--dist-timeout"),
        ([:], ["--dist-backend", "mpi"], "mpi"),
    ] as [([String: String], [String], String)])
    func misuse(environment: [String: String], extra: [String], mention: String) throws {
        try withTemporaryDirectory { dir in
            var env = ProcessInfo.processInfo.environment
            env.merge(environment) { $1 }
            let result = try runProcess(deat, ["train", "--out", dir.appendingPathComponent("run").path] + extra, environment: env)
            #expect(result.status != 0)
            #expect(result.stderr.contains(mention), "\(result.stderr)")
            #expect(result.stderr.lowercased().hasPrefix("error:"), "\(result.stderr)")
            #expect(!result.stderr.contains("Fatal error"))
        }
    }
}
