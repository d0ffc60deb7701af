// YOPO (docs/methods.md §2.12): deat's step gives the weights of the DEAT repository's YOPO trainer
// (FastGradientLayerOneTrainer and train_one_epoch's minibatch) after one minibatch, on a tiny
// "first layer + the rest" network (Fixtures/yopo.json from scripts/fixtures/gen_yopo.py, PyTorch);
// models that do not expose their first layer are refused; Table 1's defaults.
import Foundation
import NN
import TestSupport
import Testing
import Torch
@testable import Training

struct YOPOFixture: Decodable {
    struct Weights: Decodable {
        let w1: [Float], b1: [Float], w2: [Float], b2: [Float]
    }
    struct Case: Decodable {
        /// Full passes, inner steps through the first layer after each, and the optimiser's rate.
        let K: Int, inner: Int, learningRate: Double
        let epsilon: Double, stepSize: Double
        let w1: [Float], b1: [Float], w2: [Float], b2: [Float]
        let x: [Float]
        let labels: [Int64]
        let start: [Float]
        let after: Weights
        let loss: Double
    }
    let cases: [Case]
}

/// gen_yopo.py's `Net`: a 3×3 convolution (1 → 3, with bias) as the first layer, then ReLU and a
/// linear classifier on 1×4×4 images.
final class TinySplitNet: SplitAtFirstLayer {
    let w1: Tensor, b1: Tensor, w2: Tensor, b2: Tensor
    var training = true

    init(_ c: YOPOFixture.Case) throws {
        w1 = try Tensor(c.w1, shape: [3, 1, 3, 3]).requiringGrad()
        b1 = try Tensor(c.b1).requiringGrad()
        w2 = try Tensor(c.w2, shape: [3, 48]).requiringGrad()
        b2 = try Tensor(c.b2).requiringGrad()
    }

    var localParameters: [(name: String, tensor: Tensor)] { [("w1", w1), ("b1", b1), ("w2", w2), ("b2", b2)] }
    func callAsFunction(_ input: Tensor) throws -> Tensor { try rest(firstLayer(input)) }
    func firstLayer(_ input: Tensor) throws -> Tensor { try F.conv2d(input, weight: w1, bias: b1, padding: 1) }
    func rest(_ h: Tensor) throws -> Tensor { try F.linear(F.relu(h).flattened(from: 1), weight: w2, bias: b2) }
}

/// A model that does not expose its first layer (like a TorchScript one).
final class Unsplit: Layer {
    let inner = try! Linear(784, 10, generator: Generator(seed: 0))
    var training = true
    var children: [(name: String, module: any Module)] { [("inner", inner)] }
    func callAsFunction(_ input: Tensor) throws -> Tensor { try inner(input.flattened(from: 1)) }
}

struct YOPOTests {
    @Test("one minibatch of YOPO-m-n gives the reference trainer's weights (K full passes, n first-layer steps each, one SGD step)", arguments: 0..<3)
    func matchesReference(index: Int) throws {
        let c = try loadFixture("yopo", as: YOPOFixture.self).cases[index]
        let model = try TinySplitNet(c)
        let optimizer = try SGD(parameters: model.parameters(), learningRate: c.learningRate, momentum: 0.9, weightDecay: 5e-4)
        let shape = [8, 1, 4, 4]
        let context = StepContext(
            model: model, optimizer: optimizer, inputScale: try Tensor.ones([1, 1, 1, 1]), epsilon: c.epsilon, epoch: 0,
            generator: try Generator(seed: 0))
        let method = YOPO(policy: .fixed(c.K), stepSize: c.stepSize, innerSteps: c.inner)
        let result = try method.step(images: Tensor(c.x, shape: shape), labels: Tensor(c.labels), start: Tensor(c.start, shape: shape), context: context)
        let what = "K = \(c.K), σ = \(c.inner)"
        try expectClose(model.w1, c.after.w1.map(Double.init), rtol: 1e-5, atol: 1e-5, "first layer's weight, \(what)")
        try expectClose(model.b1, c.after.b1.map(Double.init), rtol: 1e-5, atol: 1e-5, "first layer's bias, \(what)")
        try expectClose(model.w2, c.after.w2.map(Double.init), rtol: 1e-5, atol: 1e-5, "classifier's weight, \(what)")
        try expectClose(model.b2, c.after.b2.map(Double.init), rtol: 1e-5, atol: 1e-5, "classifier's bias, \(what)")
        #expect(abs(result.loss - c.loss) <= 1e-5 * max(1, abs(c.loss)), "the last full pass's loss, \(what)")
        #expect((result.forwardPasses, result.backwardPasses) == (c.K, c.K))
    }

    @Test("a model that does not expose its first layer is refused with one line")
    func refusesUnsplitModels() throws {
        let model = Unsplit()
        let context = StepContext(
            model: model, optimizer: try SGD(parameters: model.parameters(), learningRate: 0.1), inputScale: try Tensor.ones([1, 1, 1, 1]),
            epsilon: 0.1, epoch: 0, generator: try Generator(seed: 0))
        let method = YOPO(policy: .fixed(5), stepSize: 0.02, innerSteps: 3)
        #expect(throws: TrainingError.self) {
            try method.step(images: Tensor.rand([2, 1, 28, 28]), labels: Tensor([0, 1] as [Int64]), context: context)
        }
        // The Trainer refuses it before the first minibatch.
        try withTemporaryDirectory { dir in
            let (train, validation) = try TrainerTests.data()
            #expect(throws: TrainingError.self) {
                try Trainer(
                    config: TrainerTests.config(.yopo), model: model, normalization: .fashionMNIST, train: train, validation: validation,
                    directory: dir)
            }
        }
    }

    @Test("YOPO-5-3 as the DEAT repository's config.py runs it: K = 5, σ = 3 steps of 2/255, lr 0.05 ×0.1 at epochs 25 and 40")
    func defaults() {
        let c = TrainingConfig.defaults(method: .yopo, dataset: .cifar10)
        #expect((c.iterations, c.epochs, c.learningRate, c.lrMilestones, c.weightDecay) == (5, 50, 0.05, .epochs([25, 40]), 5e-4))
        #expect(abs(c.alpha - 2.0 / 255) < 1e-15)
        let method = MethodName.yopo.make(config: c)
        #expect(method.settings["inner_steps"] == "3" && method.settings["start"] == "uniform")
    }
}
