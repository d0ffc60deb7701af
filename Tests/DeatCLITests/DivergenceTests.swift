// DivergenceTests.swift: a learning rate that blows the loss up to NaN stops `deat train` with
// the epoch and minibatch where it happened, exit 1, and the last good checkpoint left as it was
// and still resumable.
import Foundation
import Testing
import TestSupport

@Suite("deat train: divergence", .enabled(if: fashionMNISTAvailable, fashionMNISTMissing))
struct DivergenceTests {
    @Test("--lr 1e6: one error line naming epoch and batch, exit 1, the last good checkpoint kept byte for byte and resumable")
    func divergingLearningRate() throws {
        try withTemporaryDirectory { dir in
            var arguments = tinyTrainArguments(out: dir)
            arguments += ["--lr", "1e6"]
            let first = try runDeat(arguments)
            #expect(first.status == 1, "exit \(first.status): \(first.stderr)")
            let errors = messageLines(first.stderr)
            try #require(errors.count == 1, "\(first.stderr)")
            let error = String(errors[0])
            #expect(error.hasPrefix("error: training diverged: loss is nan at epoch "), "\(error)")
            #expect(error.hasSuffix("the last good checkpoint is kept (lower --lr or --alpha)"), "\(error)")
            // "… at epoch E, batch B; …": B ≥ 2, since the first loss is the untouched model's.
            let place = try #require(error.firstMatch(of: /at epoch (\d+), batch (\d+);/))
            let (epoch, batch) = (try #require(Int(place.1)), try #require(Int(place.2)))
            try #require(epoch > 1 || batch >= 2, "\(error)")

            let checkpoint = dir.appendingPathComponent("checkpoint.safetensors")
            let kept = try Data(contentsOf: checkpoint)
            // Resuming loads that checkpoint (the minibatch before the bad one) and diverges in the same place.
            let again = try runDeat(resumeArguments(dir))
            #expect(again.status == 1)
            #expect(again.stdout.contains("(resumed at epoch \(epoch), batch \(batch - 1))"), "\(again.stdout)")
            #expect(messageLines(again.stderr) == errors)
            #expect(try Data(contentsOf: checkpoint) == kept)
            #expect(try leftoverTemporaries(in: dir).isEmpty)
        }
    }
}
