// Weight averaging (docs/methods.md §2.9): the moving average against values worked out by hand,
// buffers included; the model files and validation use the average while training goes on with
// the raw weights untouched; a killed run resumes to the same bytes; and the overfitting guard
// keeps the previous epoch's averaged model.
import Foundation
import Models
import NN
import SafeTensors
import Testing
import TestSupport
import Torch
@testable import Training

@Suite("Weight averaging", .serialized)
struct WeightAveragingTests {
    /// A one-layer model with every kind of state: float parameters (weight, bias), float buffers
    /// (running_mean, running_var) and an integer buffer (num_batches_tracked).
    static func batchNormModel() throws -> (Sequential, BatchNorm2d) {
        let bn = try BatchNorm2d(2)
        return (Sequential([bn]), bn)
    }

    static func values(_ average: WeightAverage) throws -> [String: [Double]] {
        Dictionary(uniqueKeysWithValues: try average.tensors.map { ($0.name, try $0.tensor.to(dtype: .float64).doubles()) })
    }

    @Test("the first update copies the weights, later ones give decay·avg + (1 − decay)·w, buffers included; num_batches_tracked is copied")
    func updateByHand() throws {
        let (model, bn) = try Self.batchNormModel()
        let average = try WeightAverage(of: model, decay: 0.75)
        func set(_ w: Float, batches: Int64) throws {
            try withNoGrad {
                try bn.weight.fill(with: w)
                try bn.bias.fill(with: -w)
                try bn.runningMean.fill(with: 2 * w)
                try bn.runningVar.fill(with: 1 + w)
                try bn.numBatchesTracked.fill(with: batches)
            }
        }
        try set(4, batches: 1)
        try average.update(from: model, first: true)  // avg = 4
        try set(8, batches: 2)
        try average.update(from: model)  // 0.75·4 + 0.25·8 = 5
        try set(0, batches: 3)
        try average.update(from: model)  // 0.75·5 + 0.25·0 = 3.75
        let v = try Self.values(average)
        #expect(v["0.weight"] == [3.75, 3.75])
        #expect(v["0.bias"] == [-3.75, -3.75])
        #expect(v["0.running_mean"] == [7.5, 7.5])  // 8, 16, 0
        #expect(v["0.running_var"] == [4.75, 4.75])  // 5, 9, 1
        #expect(v["0.num_batches_tracked"] == [3])
    }

    @Test("over two SGD steps of a BatchNorm model the average is decay·w₁ + (1 − decay)·w₂, running statistics included")
    func twoTrainingSteps() throws {
        let (model, _) = try Self.batchNormModel()
        let optimizer = try SGD(parameters: model.parameters(), learningRate: 0.5, momentum: 0.9)
        let average = try WeightAverage(of: model, decay: 0.9)
        let gen = try Generator(seed: 5)
        var snapshots: [[String: [Double]]] = []
        for step in 0..<2 {
            let output = try model(Tensor.randn([4, 2, 3, 3], generator: gen) * 3 + 1)
            try optimizer.zeroGrad()
            try ((output - 0.5) * (output - 0.5)).mean().backward()
            try optimizer.step()
            try average.update(from: model, first: step == 0)
            snapshots.append(Dictionary(uniqueKeysWithValues: try model.stateDict().map { ($0.name, try $0.tensor.to(dtype: .float64).doubles()) }))
        }
        let (w1, w2) = (snapshots[0], snapshots[1])
        #expect(w1["0.running_mean"] != w2["0.running_mean"] && w1["0.weight"] != w2["0.weight"])  // both steps moved them
        let averaged = try Self.values(average)
        for name in ["0.weight", "0.bias", "0.running_mean", "0.running_var"] {
            let expected = zip(w1[name]!, w2[name]!).map { 0.9 * $0 + 0.1 * $1 }
            expectClose(averaged[name]!, expected, rtol: 1e-6, atol: 1e-7, name)
        }
        #expect(averaged["0.num_batches_tracked"] == [2])
    }

    @Test("running code on the averaged weights gives the raw weights back bit for bit, also when it throws")
    func swapRestoresRawWeights() throws {
        let model = try SmallCNN(generator: Generator(seed: 1))
        let average = try WeightAverage(of: model, decay: 0.5)
        try withNoGrad { for (_, t) in model.stateDict() { try t.addInPlace(0.25) } }
        let raw = try model.stateDict().map { try $0.tensor.bytes() }
        let seen = try average.withAveragedWeights(in: model) { try model.fc.weight.bytes() }
        #expect(try seen == average.tensors.first { $0.name == "fc.weight" }!.tensor.bytes())
        #expect(throws: TrainingError.self) { try average.withAveragedWeights(in: model) { throw TrainingError("stop") } }
        #expect(try model.stateDict().map { try $0.tensor.bytes() } == raw)
    }

    static func config(_ method: MethodName = .mplusDEAT) -> TrainingConfig {
        var c = TrainerTests.config(method)
        c.weightAveraging = 0.9
        c.labelSmoothing = 0.1
        return c
    }

    static func bytes(_ tensors: [(name: String, tensor: Tensor)]) throws -> [[UInt8]] {
        try tensors.map { try $0.tensor.bytes() }
    }

    @Test("a run with weight averaging killed mid-epoch or at an epoch's end resumes to the uninterrupted run's files and average",
          arguments: [1, 3, 4])
    func resumeIsExact(stopAfter batches: Int) throws {
        try withTemporaryDirectory { dir in
            let straight = try TrainerTests().train(Self.config(), in: dir.appendingPathComponent("straight"))
            var interrupted = Self.config()
            interrupted.stopAfterBatches = batches  // 3 minibatches per epoch
            let partial = dir.appendingPathComponent("partial")
            _ = try TrainerTests().train(interrupted, in: partial)
            let resumed = try TrainerTests().train(Self.config(), in: partial, resume: true)
            #expect(resumed.state.finished)
            #expect(try Self.bytes(#require(straight.averagedWeights)) == Self.bytes(#require(resumed.averagedWeights)))
            #expect(try Self.bytes(straight.model.stateDict()) == Self.bytes(resumed.model.stateDict()))
            #expect(try Data(contentsOf: straight.files.model) == Data(contentsOf: resumed.files.model))
            #expect(try Data(contentsOf: straight.files.best) == Data(contentsOf: resumed.files.best))
            #expect(straight.state.records.map(\.robustAccuracy) == resumed.state.records.map(\.robustAccuracy))
        }
    }

    @Test("with weight averaging model.safetensors and validation hold the average, and the raw weights train as without it")
    func filesAndValidationUseTheAverage() throws {
        try withTemporaryDirectory { dir in
            var config = OverfittingGuardTests.config(epochs: 3)
            // lr 1 makes the raw weights swing between epochs, and the average smooths that out.
            (config.method, config.overfittingGuard, config.weightAveraging, config.keepEpochs) = (.standard, false, 0.9, true)
            let averaged = try OverfittingGuardTests().train(config, in: dir.appendingPathComponent("averaged"))
            let average = try #require(averaged.averagedWeights)
            var plainConfig = config
            plainConfig.weightAveraging = 0
            let plain = try OverfittingGuardTests().train(plainConfig, in: dir.appendingPathComponent("plain"))
            #expect(plain.averagedWeights == nil)
            // Averaging only reads the raw weights: training is the same with or without it.
            #expect(try Self.bytes(averaged.model.stateDict()) == Self.bytes(plain.model.stateDict()))

            let saved = try Checkpoint.read(averaged.files.model)
            #expect(saved.entries.map(\.name).sorted() == average.map(\.name).sorted())
            for (name, tensor) in average { #expect(try Array(saved[name]!.data) == tensor.bytes(), "\(name)") }
            #expect(try Data(contentsOf: averaged.files.model) != Data(contentsOf: plain.files.model))
            // The checkpoint keeps both: the raw weights to train on, the average to resume it.
            let checkpoint = try Checkpoint.read(averaged.files.checkpoint)
            for ((name, raw), (_, avg)) in zip(averaged.model.stateDict(), average) {
                #expect(try Array(checkpoint[name]!.data) == raw.bytes(), "\(name)")
                #expect(try Array(checkpoint["weight_average." + name]!.data) == avg.bytes(), "\(name)")
            }

            // Every epoch's clean validation accuracy is its average's (epoch-N.safetensors), not the raw weights'.
            let validation = try OverfittingGuardTests.data(16, seed: 2)
            let (x, y) = try validation.batch(0..<16)
            func accuracy(_ file: URL) throws -> Double {
                let (model, _, _) = try loadModel(from: file)
                model.eval()
                return Double(try correctCount(model: model, images: x, labels: y)) / 16
            }
            let clean = averaged.state.records.map(\.cleanAccuracy)
            #expect(try clean == (1...3).map { try accuracy(averaged.files.epochModel($0)) })
            // The plain run's epoch files hold the same raw weights the averaged run trained.
            #expect(try clean != (1...3).map { try accuracy(plain.files.epochModel($0)) })
        }
    }

    @Test("when the overfitting guard fires, the kept model is the previous epoch's average, as raw and averaged weights")
    func guardKeepsTheAveragedModel() throws {
        try withTemporaryDirectory { dir in
            var config = OverfittingGuardTests.config()
            config.weightAveraging = 0.5
            let stopped = try OverfittingGuardTests().train(config, in: dir.appendingPathComponent("stopped"))
            #expect(stopped.state.overfitting.firedAtEpoch == 2)  // averaging does not change the raw training the guard checks
            var twoEpochs = OverfittingGuardTests.config(epochs: 2)
            twoEpochs.weightAveraging = 0.5
            let good = try OverfittingGuardTests().train(twoEpochs, in: dir.appendingPathComponent("good"))
            let kept = try Self.bytes(#require(good.averagedWeights))
            #expect(try Self.bytes(stopped.model.stateDict()) == kept)
            #expect(try Self.bytes(#require(stopped.averagedWeights)) == kept)
            #expect(try Data(contentsOf: good.files.model) == Data(contentsOf: stopped.files.model))
        }
    }
}
