// Training with channels-last and bfloat16 autocast (speed-ups for GPUs), on the CPU: channels-last
// makes the same updates as the default layout; bf16 autocast trains with float32 parameters, close
// to the float32 run; fp16, which would need loss scaling, is refused; Winograd convolutions make
// direct convolutions' updates up to rounding.
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

    /// One epoch of standard (clean) training of a WideResNet-10-1, whose 16–64-channel 3×3 stride-1
    /// convolutions Winograd takes (clean, so no gradient sign can flip between the two), on 32 random CIFAR-shaped images; the weights, and the Winograd
    /// forward passes this thread ran.
    func trainWideResNet(_ convolutions: ConvolutionAlgorithm, in directory: URL) throws -> (weights: [[Float]], winograd: UInt64) {
        let gen = try Generator(seed: 9)
        let images = try (Tensor.rand([32, 3, 32, 32], generator: gen) * 255).to(dtype: .uint8)
        let train = try TensorDataset(images: images, labels: Tensor.randint(0, 10, shape: [32], generator: gen), classCount: 10)
        var config = TrainingConfig.defaults(method: .standard, dataset: .cifar10, model: .wideResNet(depth: 10, widen: 1), epochs: 1)
        (config.batchSize, config.validationSize, config.augment, config.checkpointMinutes) = (16, 0, false, 1e9)
        config.convolutions = convolutions
        let model = try ModelKind.wideResNet(depth: 10, widen: 1).build(normalization: .cifar10, generator: Generator(seed: 3))
        let trainer = try Trainer(config: config, model: model, normalization: .cifar10, train: train, validation: try train.first(8), directory: directory)
        let before = ConvolutionAlgorithm.winogradForwards
        try trainer.run()
        return (try model.stateDict().map { try $0.tensor.floats() }, ConvolutionAlgorithm.winogradForwards - before)
    }

    @Test("Winograd convolutions train to direct training's weights within 1e-4, running the 3×3 layers through Winograd")
    func winograd() throws {
        try withTemporaryDirectory { dir in
            let direct = try trainWideResNet(.direct, in: dir.appendingPathComponent("direct"))
            let winograd = try trainWideResNet(.winograd, in: dir.appendingPathComponent("winograd"))
            #expect(direct.winograd == 0)
            // 2 minibatches × WRN-10-1's 4 qualifying convolutions: both of the first block's and the
            // second of each later block's (the stem has 3 input channels, the others stride 2).
            #expect(winograd.winograd == 8)
            let worst = zip(direct.weights, winograd.weights).flatMap { zip($0, $1).map { abs($0 - $1) } }.max() ?? .infinity
            #expect(worst < 1e-4, "largest weight difference \(worst)")
            #expect(winograd.weights != direct.weights, "the same bits: Winograd did not run")
        }
    }

    @Test("fp16 autocast is refused: training has no loss scaling")
    func fp16OnCPU() throws {
        try withTemporaryDirectory { dir in
            #expect(throws: TrainingError.self) { _ = try train(autocast: .fp16, in: dir) }
        }
    }
}
