// Data-parallel training, which must not change what is learned: 2 ranks (threads of this process over Gloo on loopback) at
// batch B make exactly the updates one process makes at batch 2B, take the same M+ decisions, and a
// 2-rank run stopped mid-epoch resumes to the uninterrupted 2-rank run's weights and log.
import Datasets
import Foundation
import Models
import NN
import Testing
import TestSupport
import Torch
import Training

@Suite("Data-parallel training", .serialized, .enabled(if: ProcessGroup.availableBackends.contains(.gloo), "this libtorch has no Gloo backend"))
struct DataParallelTests {
    /// 128 random 1×28×28 images in 10 classes, and a validation set of 8.
    static func data() throws -> (TensorDataset, TensorDataset) {
        let gen = try Generator(seed: 11)
        func set(_ n: Int) throws -> TensorDataset {
            let images = try (Tensor.rand([n, 1, 28, 28], generator: gen) * 255).to(dtype: .uint8)
            return try TensorDataset(images: images, labels: Tensor.randint(0, 10, shape: [n], generator: gen), classCount: 10)
        }
        return (try set(128), try set(8))
    }

    static func config(_ method: MethodName, batchSize: Int, worldSize: Int) -> TrainingConfig {
        var c = TrainingConfig.defaults(method: method, dataset: .fashionMNIST, iterations: 3)
        c.epochs = 2
        c.batchSize = batchSize
        c.validationSize = 8
        c.validationSteps = 1
        c.checkpointMinutes = 1e9
        c.worldSize = worldSize
        return c
    }

    struct Outcome: Sendable {
        let state: TrainState
        let weights: [[Float]]
    }

    /// Trains `config` on `ranks` processes (1: no group) in `directory`; rank r's model starts
    /// from seed 7 + r, so ranks > 0 only match rank 0 if the start-up broadcast works.
    func train(_ config: TrainingConfig, ranks: Int, in directory: URL, resume: Bool = false) throws -> [Outcome] {
        try FileManager.default.createDirectory(at: directory, withIntermediateDirectories: true)
        let store = directory.appendingPathComponent("store-\(UUID().uuidString)").path
        return try runRanks(ranks) { rank in
            let (train, validation) = try Self.data()
            let group = ranks == 1 ? nil : try ProcessGroup(
                rendezvous: .file(path: store), rank: rank, worldSize: ranks, timeout: 30, glooDevice: "hostname:127.0.0.1")
            let model = try SmallCNN(generator: Generator(seed: 7 + UInt64(rank)))
            let trainer = try Trainer(
                config: config, model: model, normalization: .fashionMNIST, train: train, validation: validation,
                directory: directory, group: group)
            let resumed = try trainer.resumeIfPossible()
            if resume != resumed { throw TorchError("rank \(rank): resumed = \(resumed), expected \(resume)") }
            try trainer.run()
            return Outcome(state: trainer.state, weights: try model.stateDict().map { try $0.tensor.floats() })
        }.map { try $0.get() }
    }

    func expectClose(_ a: [[Float]], _ b: [[Float]], tolerance: Float, sourceLocation: SourceLocation = #_sourceLocation) {
        #expect(a.count == b.count, sourceLocation: sourceLocation)
        let worst = zip(a, b).flatMap { zip($0, $1).map { abs($0 - $1) } }.max() ?? .infinity
        #expect(worst <= tolerance, "largest weight difference \(worst)", sourceLocation: sourceLocation)
    }

    @Test("2 ranks at batch 16 end with the weights of 1 process at batch 32 (FREE-3: every replay all-reduced)")
    func equivalence() throws {
        try withTemporaryDirectory { dir in
            // One epoch: 4 minibatches × 3 replays = 12 all-reduced updates (measured: 8.9e-7 apart). Batch 16
            // and batch 32 sum in different orders, and δ moves by sign(g), so a pixel whose gradient is near 0
            // can step the other way: the runs drift apart chaotically, 1.8e-5 after a second epoch.
            var one = Self.config(.free, batchSize: 32, worldSize: 1), two = Self.config(.free, batchSize: 16, worldSize: 2)
            one.epochs = 1
            two.epochs = 1
            let single = try train(one, ranks: 1, in: dir.appendingPathComponent("one"))
            let pair = try train(two, ranks: 2, in: dir.appendingPathComponent("two"))
            expectClose(pair[0].weights, single[0].weights, tolerance: 1e-5)
            #expect(pair[0].weights == pair[1].weights, "the ranks drifted apart")
            // The log combines the ranks: every image counted once, the same loss and accuracy.
            for (a, b) in zip(pair[0].state.records, single[0].state.records) {
                #expect(abs(a.trainLoss - b.trainLoss) < 1e-4)
                #expect(a.trainAccuracy == b.trainAccuracy)
                #expect(abs(a.gradientMagnitude - b.gradientMagnitude) <= 1e-4 * b.gradientMagnitude)
            }
        }
    }

    @Test("M+DEAT on 2 ranks: both raise r in the same epochs")
    func sameDecisions() throws {
        try withTemporaryDirectory { dir in
            var config = Self.config(.mplusDEAT, batchSize: 16, worldSize: 2)
            config.epochs = 5
            config.gamma = 0.5  // so that r keeps rising on random data
            let pair = try train(config, ranks: 2, in: dir)
            let trajectories = pair.map { $0.state.records.map(\.iterations) }
            #expect(trajectories[0] == trajectories[1])
            #expect((trajectories[0].last ?? 0) >= 3, "the rule never fired after the warm-up, so agreement proves little: r \(trajectories[0])")
            #expect(pair[0].state.policy == pair[1].state.policy)
            #expect(pair[0].weights == pair[1].weights)
        }
    }

    @Test("a 2-rank run stopped mid-epoch resumes on 2 ranks to the uninterrupted run's weights and log")
    func resume() throws {
        try withTemporaryDirectory { dir in
            var config = Self.config(.mplusDEAT, batchSize: 16, worldSize: 2)
            config.epochs = 3
            let straight = try train(config, ranks: 2, in: dir.appendingPathComponent("straight"))
            var stopped = config
            stopped.checkpointMinutes = 0  // a checkpoint after every minibatch: running sums combined mid-epoch
            stopped.stopAfterBatches = 6   // epoch 1, after its second batch
            let partial = dir.appendingPathComponent("partial")
            _ = try train(stopped, ranks: 2, in: partial)
            var rest = config
            rest.checkpointMinutes = 0
            let resumed = try train(rest, ranks: 2, in: partial, resume: true)
            #expect(resumed[0].weights == straight[0].weights)
            #expect(resumed[1].weights == straight[0].weights)
            let (a, b) = (resumed[0].state.records, straight[0].state.records)
            #expect(a.map(\.iterations) == b.map(\.iterations))
            #expect(a.map(\.trainAccuracy) == b.map(\.trainAccuracy))
            #expect(zip(a, b).allSatisfy { abs($0.gradientMagnitude - $1.gradientMagnitude) <= 1e-9 * $1.gradientMagnitude })
            #expect(zip(a, b).allSatisfy { abs($0.trainLoss - $1.trainLoss) <= 1e-9 })
        }
    }

    @Test("a checkpoint of 2 ranks does not resume on 1, and a group of the wrong size is refused")
    func worldSizeMismatch() throws {
        try withTemporaryDirectory { dir in
            var config = Self.config(.free, batchSize: 16, worldSize: 2)
            config.stopAfterBatches = 1
            config.checkpointMinutes = 0
            _ = try train(config, ranks: 2, in: dir)
            // One process with the saved config (worldSize 2) and no group: refused at construction.
            #expect(throws: TrainingError.self) { _ = try train(config, ranks: 1, in: dir, resume: true) }
        }
    }
}
