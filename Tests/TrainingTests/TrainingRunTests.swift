// `deat train`'s set-up as a library call (TrainingRun), in-process: a run builds its model and
// data from the config, trains, and a second TrainingRun on the same directory resumes it as
// finished; a model that cannot take the dataset's images is refused before any weights are built.
import DataFormats
import Foundation
import Models
import Testing
import TestSupport
import Torch
import Training

@Suite("TrainingRun (deat train's set-up in-process)", .enabled(if: fashionMNISTAvailable, fashionMNISTMissing))
struct TrainingRunTests {
    static func config() -> TrainingConfig {
        var c = TrainingConfig.defaults(method: .free, dataset: .fashionMNIST, iterations: 2)
        c.dataDirectory = debianFashionMNIST
        (c.epochs, c.batchSize, c.trainSubset, c.validationSize, c.validationSteps) = (1, 32, 64, 8, 1)
        return c
    }

    @Test("a fresh run trains to the end, and reopening its directory resumes it as finished with the same state")
    func trainThenReopen() throws {
        try withTemporaryDirectory { dir in
            let run = try TrainingRun(config: Self.config(), directory: dir, device: .cpu)
            #expect(try run.resume() == false)
            #expect(run.parameterCount == run.trainer.model.parameterCount)
            try run.trainer.run()
            #expect(run.trainer.state.finished)
            #expect(run.trainer.state.records.count == 1)
            let reopened = try TrainingRun(config: Self.config(), directory: dir, device: .cpu)
            #expect(try reopened.resume() == true)
            #expect(reopened.trainer.state == run.trainer.state)
        }
    }

    @Test("PreActResNet-18 on 28×28 Fashion-MNIST is refused with the reason and the fix")
    func modelDataMismatch() throws {
        try withTemporaryDirectory { dir in
            var config = Self.config()
            config.model = .preActResNet18
            #expect { try TrainingRun(config: config, directory: dir, device: .cpu) } throws: { error in
                error is TrainingError && "\(error)".contains("needs 32×32 images") && "\(error)".contains("--model small-cnn")
            }
            #expect(!FileManager.default.fileExists(atPath: dir.appendingPathComponent("checkpoint.safetensors").path))
        }
    }
}
