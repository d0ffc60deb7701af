// FaultInjectionTests.swift: `deat train` killed with SIGKILL at exact points (minibatches, every
// stage of every atomic write, epoch ends: the DEAT_FAULT_KILL_AT hook, so that no machine is too
// fast to be killed), and starved of disk (`ulimit -f`): every resume must end exactly where an
// uninterrupted run ends, a failed write must leave the previous file intact, and leftovers are
// removed with a note.
import Foundation
import Testing
import TestSupport

@Suite("fault injection", .serialized, .enabled(if: fashionMNISTAvailable, fashionMNISTMissing))
struct FaultInjectionTests {
    /// The uninterrupted tiny run, trained once for every test here: its model bytes and its log.
    static let reference: Result<(model: Data, log: [[String: String]]), any Error> = Result {
        try withTemporaryDirectory { dir in
            let result = try runDeat(tinyTrainArguments(out: dir))
            guard result.status == 0 else { throw TestFailure("the reference run failed: \(result.stderr)") }
            return (try Data(contentsOf: dir.appendingPathComponent("model.safetensors")), try logWithoutTimes(dir))
        }
    }

    /// Kill points of a run checkpointing after every minibatch, in order, each counted from the
    /// start of its own process (which resumes where the previous one was killed). What each one
    /// leaves, as traced once (e0 b3: checkpoint of epoch 1 after its third minibatch):
    static let everyBatchKills = [
        "batch:1",                           // fresh, stepped once: nothing saved yet
        "write:checkpoint.safetensors:1",    // first checkpoint half written
        "rename:checkpoint.safetensors:1",   // first checkpoint complete, not renamed
        "renamed:checkpoint.safetensors:1",  // e0 b1
        "batch:1",                           // second minibatch stepped, not saved
        "write:checkpoint.safetensors:1",
        "renamed:checkpoint.safetensors:2",  // e0 b3
        "write:best.safetensors:1",          // epoch 1 ends: best, model, checkpoint, log
        "rename:model.safetensors:1",
        "renamed:model.safetensors:1",
        "write:checkpoint.safetensors:1",
        "rename:checkpoint.safetensors:1",
        "write:log.jsonl:1",                 // e1 b0, log.jsonl never written
        "renamed:log.jsonl:1",               // while resuming, which restores the log from the checkpoint
        "batch:2",                           // e1 b1
        "write:checkpoint.safetensors:2",    // e1 b2
        "batch:2",                           // e1 b3
        "write:model.safetensors:1",         // epoch 2 ends
        "renamed:checkpoint.safetensors:1",  // e2 b0, the log an epoch short
        "rename:checkpoint.safetensors:3",   // e2 b2
        "batch:1",
        "write:log.jsonl:1",                 // e3 b0: the run is over, its log an epoch short
    ]

    @Test("SIGKILL at 22 hook points of a run checkpointing every minibatch: the resumes end with the uninterrupted run's bytes")
    func killEverywhere() throws {
        let reference = try Self.reference.get()
        try withTemporaryDirectory { dir in
            let checkpoint = dir.appendingPathComponent("checkpoint.safetensors")
            for event in Self.everyBatchKills {
                let leftovers = try leftoverTemporaries(in: dir)
                let started = FileManager.default.fileExists(atPath: checkpoint.path)
                let result = try runDeat(started ? resumeArguments(dir) : tinyTrainArguments(out: dir), killAt: event)
                try #require(result.status == SIGKILL, "\(event) was not reached (exit \(result.status)): \(result.stderr)")
                // A write killed half-way leaves its temp file; the next run removes it and says so, one line each.
                for name in leftovers {
                    #expect(messageLines(result.stderr).contains("note: removed \(name), a temporary file left by an interrupted write"), "\(event)")
                    #expect(!FileManager.default.fileExists(atPath: dir.appendingPathComponent(name).path))
                }
            }
            let finish = try runDeat(resumeArguments(dir))
            #expect(finish.status == 0, "\(finish.stderr)")
            #expect(try Data(contentsOf: dir.appendingPathComponent("model.safetensors")) == reference.model)
            // The last kill fell after the final checkpoint, before the log: the log is whole anyway.
            #expect(try logWithoutTimes(dir) == reference.log)
            #expect(try leftoverTemporaries(in: dir).isEmpty)
        }
    }

    /// Kill points of a run checkpointing only at epoch ends, in order, each counted from the start
    /// of its own process (which resumes from the last epoch-end checkpoint, if any).
    static let epochEndKills = [
        "batch:3",                           // mid-epoch, nothing saved yet: the epoch is redone from the start
        "batch:6",                           // epoch 1 kept, epoch 2 half done and lost
        "renamed:checkpoint.safetensors:1",  // epoch 2 saved, its log line not yet written
        "batch:1",                           // the first minibatch after a resume (which restored the log), lost
        "write:model.safetensors:1",         // epoch 3 ends: model.safetensors half written
        "rename:log.jsonl:1",                // epoch 3 saved, its log line complete but not renamed
    ]

    @Test("SIGKILL without mid-epoch checkpoints, mid-epoch and in the epoch-end writes, then --resume with --checkpoint-minutes 0: same bytes")
    func killBetweenEpochCheckpoints() throws {
        let reference = try Self.reference.get()
        try withTemporaryDirectory { dir in
            let checkpoint = dir.appendingPathComponent("checkpoint.safetensors")
            func arguments() -> [String] {
                FileManager.default.fileExists(atPath: checkpoint.path)
                    ? resumeArguments(dir, checkpointMinutes: "10") : tinyTrainArguments(out: dir, checkpointMinutes: "10")
            }
            for event in Self.epochEndKills {
                let result = try runDeat(arguments(), killAt: event)
                try #require(result.status == SIGKILL, "\(event) was not reached (exit \(result.status)): \(result.stderr)")
            }
            #expect(try leftoverTemporaries(in: dir).count == 1, "the log.jsonl killed before its rename left its temp file")
            // Resuming with another --checkpoint-minutes is allowed: it changes when, not what.
            let finish = try runDeat(resumeArguments(dir, checkpointMinutes: "0"))
            #expect(finish.status == 0, "\(finish.stderr)")
            #expect(try Data(contentsOf: dir.appendingPathComponent("model.safetensors")) == reference.model)
            #expect(try logWithoutTimes(dir) == reference.log)
        }
    }

    @Test("a half-written temp file in a run directory is removed on --resume with a one-line note; the checkpoint is untouched")
    func halfWrittenTemporary() throws {
        try withTemporaryDirectory { dir in
            let bytes = try trainFirstBatches(1, in: dir)
            let checkpoint = dir.appendingPathComponent("checkpoint.safetensors")
            let temp = ".checkpoint.safetensors.tmp-\(UUID().uuidString)"
            try bytes.prefix(bytes.count / 2).write(to: dir.appendingPathComponent(temp))
            var resume = resumeArguments(dir)
            resume += ["--stop-after-batches", "1"]  // stops at once: nothing trained, nothing rewritten
            let result = try runDeat(resume)
            #expect(result.status == 0, "\(result.stderr)")
            #expect(result.stderr.split(separator: "\n") == ["note: removed \(temp), a temporary file left by an interrupted write"])
            #expect(try leftoverTemporaries(in: dir).isEmpty)
            #expect(try Data(contentsOf: checkpoint) == bytes)
        }
    }

    @Test("disk full (ulimit -f) while writing a checkpoint: one error line, exit 1, the previous checkpoint intact and resumable")
    func diskFullTraining() throws {
        let reference = try Self.reference.get()
        try withTemporaryDirectory { dir in
            let before = try trainFirstBatches(2, in: dir)
            let checkpoint = dir.appendingPathComponent("checkpoint.safetensors")
            // Room for logs and model.safetensors (half a checkpoint), not for the next checkpoint.
            let full = try runDeat(resumeArguments(dir), fileSizeLimit: before.count * 3 / 4)
            #expect(full.status == 1, "exit \(full.status): \(full.stderr)")
            let errors = messageLines(full.stderr)
            #expect(errors.count == 1 && errors.last == full.stderr.split(separator: "\n").last, "\(full.stderr)")
            #expect(errors.first?.hasPrefix("error: checkpoint.safetensors: writing ") == true, "\(full.stderr)")
            #expect(errors.first?.contains("File too large; the previous checkpoint.safetensors, if any, is unchanged") == true)
            #expect(try Data(contentsOf: checkpoint) == before)
            #expect(try leftoverTemporaries(in: dir).isEmpty)
            let resumed = try runDeat(resumeArguments(dir))
            #expect(resumed.status == 0, "\(resumed.stderr)")
            #expect(try Data(contentsOf: dir.appendingPathComponent("model.safetensors")) == reference.model)
        }
    }

    /// Starts the tiny run in `dir`, stops it after `batches` minibatches (each checkpointed) and
    /// returns the checkpoint's bytes.
    func trainFirstBatches(_ batches: Int, in dir: URL) throws -> Data {
        var arguments = tinyTrainArguments(out: dir)
        arguments += ["--stop-after-batches", "\(batches)"]
        let result = try runDeat(arguments)
        try #require(result.status == 0, "\(result.stderr)")
        return try Data(contentsOf: dir.appendingPathComponent("checkpoint.safetensors"))
    }
}
