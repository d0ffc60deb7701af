// FGSM-RS's catastrophic-overfitting guard (docs/methods.md §2.7): on a run forced to overfit it
// stops, keeps the model of the epoch before, says so in the log, and a killed run resumes to the
// same bytes.
import Datasets
import Foundation
import Models
import NN
import Testing
import TestSupport
import Torch
import Training

@Suite("OverfittingGuard", .serialized)
struct OverfittingGuardTests {
    /// Two classes told apart by brightness (0.3 or 0.7, ±0.1 noise): easy to learn, and with
    /// ε = 0.1 robustly learnable, so a PGD collapse is the method's fault, not the data's.
    static func data(_ n: Int, seed: UInt64) throws -> TensorDataset {
        let gen = try Generator(seed: seed)
        let labels = try Tensor.randint(0, 2, shape: [n], generator: gen)
        let level = try labels.to(dtype: .float32).reshaped([n, 1, 1, 1]) * 0.4 + 0.3
        let images = try ((Tensor.rand([n, 1, 28, 28], generator: gen) - 0.5) * 0.2 + level).clamped(min: 0, max: 1)
        return try TensorDataset(images: (images * 255).to(dtype: .uint8), labels: labels, classCount: 10)
    }

    /// FGSM-RS with a step of 3ε at a constant lr 1: training accuracy reaches 1 while the PGD-5
    /// check on the first batch falls from 0.97 (after epoch 2) to 0.44 (after epoch 3).
    static func config(epochs: Int = 5) -> TrainingConfig {
        var c = TrainingConfig.defaults(method: .fgsmRS, dataset: .fashionMNIST)
        (c.epochs, c.batchSize, c.validationSize, c.validationSteps, c.checkpointMinutes) = (epochs, 32, 16, 2, 0)
        (c.learningRate, c.schedule, c.epsilon, c.alpha) = (1.0, .constant, 0.1, 0.3)
        return c
    }

    func train(_ config: TrainingConfig, in directory: URL, resume: Bool = false) throws -> Trainer {
        let trainer = try Trainer(
            config: config, model: try SmallCNN(generator: Generator(seed: 7)), normalization: .fashionMNIST,
            train: Self.data(64, seed: 1), validation: Self.data(16, seed: 2), directory: directory)
        if resume { #expect(try trainer.resumeIfPossible()) }
        try trainer.run()
        return trainer
    }

    @Test("the guard stops a run whose PGD accuracy collapses and keeps the model of the epoch before")
    func firesAndKeepsLastGoodModel() throws {
        #expect(Self.config().overfittingGuard)  // on by default for FGSM-RS
        try withTemporaryDirectory { dir in
            let stopped = try train(Self.config(), in: dir.appendingPathComponent("stopped"))
            let records = stopped.state.records
            #expect(records.count == 3 && stopped.state.finished)  // epochs 4 and 5 never ran
            #expect(stopped.state.overfitting.firedAtEpoch == 2)
            let checks = records.compactMap(\.overfittingCheck)
            #expect(checks.count == 3 && checks[2] < checks[1] - 0.2)
            #expect(records.last?.stopped?.contains("kept the model of epoch 2") == true)
            #expect(records.dropLast().allSatisfy { $0.stopped == nil })
            // The same run stopped after two epochs holds the weights the guard kept.
            let good = try train(Self.config(epochs: 2), in: dir.appendingPathComponent("good"))
            for (a, b) in zip(good.model.stateDict(), stopped.model.stateDict()) {
                #expect(try a.tensor.bytes() == b.tensor.bytes(), "\(a.name)")
            }
            #expect(try Data(contentsOf: good.files.model) == Data(contentsOf: stopped.files.model))
            let log = try String(contentsOf: stopped.files.log, encoding: .utf8)
            #expect(log.split(separator: "\n").last?.contains("catastrophic overfitting") == true)
        }
    }

    @Test("a run killed in the epoch whose check fires resumes to the uninterrupted run's bytes", arguments: [4, 5])
    func resumeIsExact(stopAfter batches: Int) throws {
        try withTemporaryDirectory { dir in
            let straight = try train(Self.config(), in: dir.appendingPathComponent("straight"))
            var interrupted = Self.config()
            interrupted.stopAfterBatches = batches  // 2 minibatches per epoch: the start or the middle of epoch 3
            let partial = dir.appendingPathComponent("partial")
            _ = try train(interrupted, in: partial)
            let resumed = try train(Self.config(), in: partial, resume: true)
            #expect(resumed.state.overfitting == straight.state.overfitting)
            #expect(resumed.state.records.map(\.overfittingCheck) == straight.state.records.map(\.overfittingCheck))
            #expect(resumed.state.records.map(\.stopped) == straight.state.records.map(\.stopped))
            #expect(try Data(contentsOf: straight.files.model) == Data(contentsOf: resumed.files.model))
            #expect(try Data(contentsOf: straight.files.best) == Data(contentsOf: resumed.files.best))
        }
    }
}
