// EvalFaultInjectionTests.swift: `deat eval` killed with SIGKILL at exact points of its state and
// report writes, and starved of disk (`ulimit -f`) while writing them: a rerun resumes to the
// uninterrupted evaluation's accuracies, and a failed write leaves the previous file intact.
import Foundation
import Testing
import TestSupport

@Suite("fault injection: deat eval", .serialized, .enabled(if: fashionMNISTAvailable, fashionMNISTMissing))
struct EvalFaultInjectionTests {
    /// A SmallCNN trained briefly (about 55% clean accuracy), so both attacks have points to attack.
    func trainModel(in dir: URL) throws -> URL {
        let model = dir.appendingPathComponent("m.safetensors")
        let trained = try runDeat(["demo", "--train-subset", "2048", "--batch-size", "32", "--test-subset", "16", "--threads", "1",
                                   "--save", model.path])
        try #require(trained.status == 0, "\(trained.stderr)")
        return model
    }

    /// FGSM then PGD-5 on 48 points in batches of 8: about ten state writes, then the report.
    func evalArguments(_ model: URL, report: URL) -> [String] {
        ["eval", model.path, "--attacks", "fgsm,pgd-5", "--eps", "0.03", "--n", "48", "--batch-size", "8", "--threads", "1",
         "--seed", "3", "--report", report.path]
    }

    @Test("SIGKILL at 8 points of the state and report writes, then a rerun: the same accuracies as an uninterrupted evaluation")
    func killAndRerun() throws {
        try withTemporaryDirectory { dir in
            let model = try trainModel(in: dir)
            let straight = dir.appendingPathComponent("straight.json")
            let reference = try runDeat(evalArguments(model, report: straight))
            try #require(reference.status == 0, "\(reference.stderr)")
            let report = dir.appendingPathComponent("k.json")
            // Counted per process; each rerun resumes from the state the previous one left.
            let kills = [
                "write:k.json.state:1",     // the first state half written: nothing saved
                "rename:k.json.state:1",    // complete, not renamed
                "renamed:k.json.state:2",   // FGSM's first batch saved
                "write:k.json.state:2",     // mid-FGSM, half written
                "renamed:k.json.state:3",   // FGSM finished
                "rename:k.json.state:2",    // mid-PGD
                "renamed:k.json.state:2",
                "write:k.json:1",           // every attack done, the report half written
            ]
            for event in kills {
                let leftovers = try leftoverTemporaries(in: dir)
                let result = try runDeat(evalArguments(model, report: report), killAt: event)
                try #require(result.status == SIGKILL, "\(event) was not reached (exit \(result.status)): \(result.stderr)")
                for name in leftovers {
                    #expect(messageLines(result.stderr).contains("note: removed \(name), a temporary file left by an interrupted write"), "\(event)")
                }
            }
            let rerun = try runDeat(evalArguments(model, report: report))
            #expect(rerun.status == 0, "\(rerun.stderr)")
            #expect(rerun.stdout.contains("resumed from"))
            #expect(try accuracyFields(report) == accuracyFields(straight))
            #expect(try leftoverTemporaries(in: dir).isEmpty)
        }
    }

    @Test("disk full (ulimit -f) writing the eval state or the report: one error line, exit 1, the previous file intact; a rerun finishes")
    func diskFull() throws {
        try withTemporaryDirectory { dir in
            let model = try trainModel(in: dir)
            let report = dir.appendingPathComponent("r.json"), state = dir.appendingPathComponent("r.json.state")
            let arguments = evalArguments(model, report: report)
            try #require(try runDeat(arguments, killAt: "renamed:r.json.state:3").status == SIGKILL)
            let partial = try Data(contentsOf: state)

            // The state is rewritten after the next batch: no room for it.
            let stateFull = try runDeat(arguments, fileSizeLimit: partial.count / 2)
            expectFileTooLarge(stateFull, file: "r.json.state")
            #expect(try Data(contentsOf: state) == partial)
            #expect(!FileManager.default.fileExists(atPath: report.path))

            let finished = try runDeat(arguments)
            #expect(finished.status == 0, "\(finished.stderr)")
            let written = try Data(contentsOf: report), complete = try Data(contentsOf: state)

            // Every attack is done, so only the report is written again: no room for it either.
            let reportFull = try runDeat(arguments, fileSizeLimit: written.count / 2)
            expectFileTooLarge(reportFull, file: "r.json")
            #expect(try Data(contentsOf: report) == written)
            #expect(try Data(contentsOf: state) == complete)
            #expect(try leftoverTemporaries(in: dir).isEmpty)
        }
    }

    func expectFileTooLarge(_ result: ProcessResult, file: String, sourceLocation: SourceLocation = #_sourceLocation) {
        #expect(result.status == 1, "exit \(result.status): \(result.stderr)", sourceLocation: sourceLocation)
        let messages = messageLines(result.stderr)
        #expect(messages.count == 1, "\(result.stderr)", sourceLocation: sourceLocation)
        #expect(messages.first?.hasPrefix("error: \(file): writing ") == true, "\(result.stderr)", sourceLocation: sourceLocation)
        #expect(messages.first?.contains("File too large; the previous \(file), if any, is unchanged") == true, sourceLocation: sourceLocation)
        #expect(!result.stderr.contains("Fatal error"), sourceLocation: sourceLocation)
    }
}
