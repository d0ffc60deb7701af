// Training with channels-last and bfloat16 autocast (speed-ups for GPUs), on the CPU: channels-last
// makes the same updates as the default layout; bf16 autocast trains with float32 parameters, close
// to the float32 run; fp16, which would need loss scaling, is refused.
import Datasets
import Foundation
import Models
import NN
import Testing
import TestSupport
import Torch
import Training

@Suite("Training precision and layout", .serialized)
struct PrecisionTrainingTests {
    func train(channelsLast: Bool = false, autocast: TrainingPrecision = .fp32, in directory: URL) throws -> (weights: [[Float]], loss: Double, model: SmallCNN) {
        let gen = try Generator(seed: 5)
        let images = try (Tensor.rand([64, 1, 28, 28], generator: gen) * 255).to(dtype: .uint8)
        let train = try TensorDataset(images: images, labels: Tensor.randint(0, 10, shape: [64], generator: gen), classCount: 10)
        var config = TrainingConfig.defaults(method: .free, dataset: .fashionMNIST, iterations: 2)
        config.epochs = 1
        config.batchSize = 16
        config.validationSize = 8
        config.validationSteps = 1
        config.checkpointMinutes = 1e9
        config.channelsLast = channelsLast
        config.autocast = autocast
        let model = try SmallCNN(generator: Generator(seed: 7))
        let trainer = try Trainer(
            config: config, model: model, normalization: .fashionMNIST, train: train, validation: try train.first(8),
            directory: directory)
        try trainer.run()
        return (try model.stateDict().map { try $0.tensor.floats() }, trainer.state.records[0].trainLoss, model)
    }

    @Test("channels-last training makes the default layout's updates (weights read back row-major)")
    func channelsLast() throws {
        try withTemporaryDirectory { dir in
            let reference = try train(in: dir.appendingPathComponent("nchw"))
            let nhwc = try train(channelsLast: true, in: dir.appendingPathComponent("nhwc"))
            #expect(nhwc.model.conv1.weight.isChannelsLast)
            let worst = zip(reference.weights, nhwc.weights).flatMap { zip($0, $1).map { abs($0 - $1) } }.max() ?? .infinity
            #expect(worst < 1e-4, "largest weight difference \(worst)")
        }
    }

    @Test("bf16 autocast trains float32 parameters to a loss close to float32 training's")
    func bfloat16() throws {
        try withTemporaryDirectory { dir in
            let reference = try train(in: dir.appendingPathComponent("fp32"))
            let mixed = try train(autocast: .bf16, in: dir.appendingPathComponent("bf16"))
            #expect(mixed.model.conv1.weight.dtype == .float32)
            #expect(mixed.loss.isFinite && abs(mixed.loss - reference.loss) < 0.05, "loss \(mixed.loss) vs \(reference.loss)")
            #expect(mixed.weights != reference.weights, "bf16 changed nothing: autocast was not active")
        }
    }

    @Test("fp16 autocast is refused: training has no loss scaling")
    func fp16OnCPU() throws {
        try withTemporaryDirectory { dir in
            #expect(throws: TrainingError.self) { _ = try train(autocast: .fp16, in: dir) }
        }
    }
}
