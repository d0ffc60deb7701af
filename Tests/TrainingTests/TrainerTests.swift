// The training loop: accounting and logs, M+ bookkeeping across epochs, and a resume from a
// mid-epoch checkpoint that ends with exactly the weights of an uninterrupted run.
import Datasets
import Foundation
import Models
import NN
import Testing
import TestSupport
import Torch
import Training

@Suite("Trainer", .serialized)
struct TrainerTests {
    /// 96 random 1×28×28 images in 10 classes, a fixed validation set of 16.
    static func data() throws -> (TensorDataset, TensorDataset) {
        let gen = try Generator(seed: 42)
        func set(_ n: Int) throws -> TensorDataset {
            let images = try (Tensor.rand([n, 1, 28, 28], generator: gen) * 255).to(dtype: .uint8)
            return try TensorDataset(images: images, labels: Tensor.randint(0, 10, shape: [n], generator: gen), classCount: 10)
        }
        return (try set(96), try set(16))
    }

    static func config(_ method: MethodName = .mplusDEAT) -> TrainingConfig {
        var c = TrainingConfig.defaults(method: method, dataset: .fashionMNIST)
        c.epochs = 3
        c.batchSize = 32
        c.validationSize = 16
        c.validationSteps = 2
        c.checkpointMinutes = 0  // checkpoint after every minibatch
        return c
    }

    func train(_ config: TrainingConfig, in directory: URL, resume: Bool = false) throws -> Trainer {
        let (train, validation) = try Self.data()
        let model = try SmallCNN(generator: Generator(seed: 7))
        let trainer = try Trainer(
            config: config, model: model, normalization: .fashionMNIST, train: train, validation: validation, directory: directory)
        if resume { #expect(try trainer.resumeIfPossible()) }
        try trainer.run()
        return trainer
    }

    @Test("a run interrupted mid-epoch resumes to exactly the weights of an uninterrupted run", arguments: [MethodName.mplusDEAT, .mplusPGD, .deatP, .mplusFAT, .gradAlign, .yopo])
    func resume(method: MethodName) throws {
        try withTemporaryDirectory { dir in
            let straight = try train(Self.config(method), in: dir.appendingPathComponent("straight"))
            var interrupted = Self.config(method)
            interrupted.stopAfterBatches = 4  // epoch 1, after its first batch
            let partial = dir.appendingPathComponent("partial")
            let first = try train(interrupted, in: partial)
            #expect(first.state.epoch == 1 && first.state.batch == 1)
            let resumed = try train(Self.config(method), in: partial, resume: true)
            #expect(resumed.state.finished)
            for (a, b) in zip(straight.model.stateDict(), resumed.model.stateDict()) {
                #expect(try a.tensor.bytes() == b.tensor.bytes(), "\(a.name)")
            }
            #expect(straight.state.records.map(\.iterations) == resumed.state.records.map(\.iterations))
            #expect(straight.state.records.map(\.gradientMagnitude) == resumed.state.records.map(\.gradientMagnitude))
            #expect(try Data(contentsOf: straight.files.model) == Data(contentsOf: resumed.files.model))
        }
    }

    @Test("a run carrying its perturbation across minibatches resumes exactly: the checkpoint keeps δ", arguments: [MethodName.free, .mplusDEAT])
    func resumeCarried(method: MethodName) throws {
        try withTemporaryDirectory { dir in
            var config = Self.config(method)
            config.carryPerturbation = true
            config.batchSize = 40  // 96 images: batches of 40, 40 and 16, so the short one leaves rows untouched
            let straight = try train(config, in: dir.appendingPathComponent("straight"))
            var interrupted = config
            interrupted.stopAfterBatches = 4  // epoch 1, after its first batch
            let partial = dir.appendingPathComponent("partial")
            _ = try train(interrupted, in: partial)
            let saved = try #require(try Checkpoint.read(partial.appendingPathComponent("checkpoint.safetensors"))["carried_perturbation"])
            #expect(saved.shape == [40, 1, 28, 28])
            let resumed = try train(config, in: partial, resume: true)
            for (a, b) in zip(straight.model.stateDict(), resumed.model.stateDict()) {
                #expect(try a.tensor.bytes() == b.tensor.bytes(), "\(a.name)")
            }
            // Without the saved δ the resumed run would start epoch 1's second batch from zero noise.
            #expect(straight.state.records.map(\.gradientMagnitude) == resumed.state.records.map(\.gradientMagnitude))
        }
    }

    @Test("the log has one line per epoch with the paper's accounting")
    func log() throws {
        try withTemporaryDirectory { dir in
            let trainer = try train(Self.config(), in: dir)
            let lines = try String(contentsOf: trainer.files.log, encoding: .utf8).split(separator: "\n")
            #expect(lines.count == 3)
            let records = try lines.map { try JSONDecoder().decode(EpochRecord.self, from: Data($0.utf8)) }
            #expect(records.map(\.iterations) == [1, 2, 2])  // M+DEAT: r = 1, then 2; the reference is set after epoch 1
            #expect(records.map(\.backwardPasses) == [3, 6, 6])  // 3 minibatches × r
            #expect(records.last?.totalBackwardPasses == 15)
            #expect(records[1].mPlusReference != nil)
            #expect(records.allSatisfy { $0.gradientMagnitude > 0 && $0.seconds > 0 && (0...1).contains($0.robustAccuracy) })
            expectClose(records.map(\.learningRate), [0.05, 0.005, 0.0005], rtol: 1e-12, "lr")  // ×0.1 at T/2, ×0.01 at 4T/5 (T = 9)
            let (model, kind, metadata) = try loadModel(from: trainer.files.model)
            #expect(kind == .smallCNN && metadata.method == "mplus-deat" && metadata.epoch == 3)
            #expect(model.parameterCount == 93_962)
            #expect(FileManager.default.fileExists(atPath: trainer.files.best.path))
        }
    }

    @Test("a diverging run stops with the epoch and batch, keeping the last good checkpoint")
    func divergence() throws {
        try withTemporaryDirectory { dir in
            var config = Self.config(.standard)
            config.learningRate = 1e30
            config.schedule = .constant
            let error = try #require(throws: TrainingDiverged.self) { try train(config, in: dir) }
            #expect(error.description.contains("epoch 1"))
            // The first loss is the untouched model's: that minibatch is stepped and checkpointed
            // before the loss blows up, so a good checkpoint is there to keep.
            let files = try RunFiles(directory: dir)
            try #require(FileManager.default.fileExists(atPath: files.checkpoint.path), "no checkpoint was kept")
            #expect(throws: Never.self) { try Checkpoint.read(files.checkpoint) }
        }
    }

    @Test("a checkpoint from other settings is refused on resume")
    func mismatchedResume() throws {
        try withTemporaryDirectory { dir in
            var config = Self.config()
            config.stopAfterBatches = 1
            _ = try train(config, in: dir)
            var other = Self.config()
            other.epsilon = 0.2
            let (trainSet, validation) = try Self.data()
            let trainer = try Trainer(
                config: other, model: try SmallCNN(), normalization: .fashionMNIST, train: trainSet, validation: validation, directory: dir)
            #expect(throws: TrainingError.self) { try trainer.resumeIfPossible() }
        }
    }
}
