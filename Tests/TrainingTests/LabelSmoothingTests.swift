// Label smoothing of the training loss (docs/methods.md §2.9): smoothed cross-entropy, and the
// TRADES and MART losses with their CE term smoothed, against PyTorch (Fixtures/label_smoothing.json,
// scripts/fixtures/gen_label_smoothing.py); every method smooths its training loss and no attack.
import Foundation
import Models
import NN
import Testing
import TestSupport
import Torch
@testable import Training

@Suite("Label smoothing matches PyTorch")
struct LabelSmoothingTests {
    let fixtures: FixtureFile

    init() throws { fixtures = try FixtureFile(resource: "label_smoothing", in: .module) }

    @Test("cross-entropy and its gradient equal F.cross_entropy(label_smoothing=s) to 1e-5", arguments: ["ce_0.0", "ce_0.1", "ce_0.25", "ce_0.9"])
    func crossEntropy(name: String) throws {
        let c = try fixtures.named(name)
        let logits = try c.input("logits").requiringGrad()
        let loss = try F.crossEntropy(logits, target: c.input("labels"), labelSmoothing: c.input("smoothing").item())
        try expectClose(loss, c.output("loss").values, rtol: 1e-5, atol: 1e-5, "\(name) loss")
        try expectClose(grad(of: loss, wrt: logits), c.output("grad").values, rtol: 1e-5, atol: 1e-5, "\(name) gradient")
    }

    @Test("TRADES and MART with s = 0.2 smooth their CE term only, as trades.py / mart.py with label_smoothing, to 1e-5",
          arguments: ["trades", "mart"])
    func regularizedLoss(name: String) throws {
        let c = try fixtures.named(name)
        let natural = try c.input("natural").requiringGrad(), adversarial = try c.input("adversarial").requiringGrad()
        let (labels, s) = (try c.input("labels"), try c.input("smoothing").item())
        let loss = name == "trades"
            ? try TrainingLoss.trades(naturalLogits: natural, adversarialLogits: adversarial, labels: labels, beta: 6, labelSmoothing: s)
            : try TrainingLoss.mart(naturalLogits: natural, adversarialLogits: adversarial, labels: labels, beta: 6, labelSmoothing: s)
        try expectClose(loss, c.output("loss").values, rtol: 1e-5, atol: 1e-5, "\(name) loss")
        let g = try grad(of: loss, wrt: [natural, adversarial])
        try expectClose(g[0], c.output("grad_natural").values, rtol: 1e-5, atol: 1e-5, "\(name) ∂/∂natural")
        try expectClose(g[1], c.output("grad_adversarial").values, rtol: 1e-5, atol: 1e-5, "\(name) ∂/∂adversarial")
    }

    /// Methods whose training loss is CE at the last input the model saw before the update (DEAT
    /// with one replay: its only forward pass).
    static var methods: [(String, any TrainingMethod)] { [
        ("standard", Standard()), ("deat r=1", DEAT(policy: .fixed(1), stepSize: 0.125, startRadius: 0.1)),
        ("fgsm-rs", FGSMRS(epsilon: 0.1)), ("nfgsm", NFGSM(stepSize: 0.1, noiseScale: 2)),
        ("pgd-3", PGDAT(policy: .fixed(3), stepSize: .fixed(0.04))),
    ] }

    @Test("a method's training loss is the smoothed CE, while its attack sees the same inputs as without smoothing",
          arguments: LabelSmoothingTests.methods.indices)
    func methodSmoothsTrainingLossOnly(index: Int) throws {
        let (name, method) = Self.methods[index]
        let gen = try Generator(seed: 3)
        let x = try Tensor.rand([8, 1, 28, 28], generator: gen), y = try Tensor.randint(0, 10, shape: [8], generator: gen)
        func run(_ s: Double) throws -> (StepResult, [Tensor]) {
            let model = try Recorder()
            let context = StepContext(
                model: model, optimizer: try SGD(parameters: model.parameters(), learningRate: 0.05), inputScale: try Tensor.ones([1, 1, 1, 1]),
                epsilon: 0.1, epoch: 0, generator: try Generator(seed: 4), labelSmoothing: s)
            return (try method.step(images: x, labels: y, context: context), model.inputs)
        }
        let (plain, plainInputs) = try run(0)
        let (smoothed, smoothedInputs) = try run(0.3)
        #expect(try plainInputs.map { try $0.bytes() } == smoothedInputs.map { try $0.bytes() }, "\(name): the attack changed")
        // The untrained model (the same seed as Recorder's) scores the last input as the update did.
        let last = try #require(smoothedInputs.last)
        let untrained = try SmallCNN(generator: Generator(seed: 0))
        let expected = try F.crossEntropy(untrained(last), target: y, labelSmoothing: 0.3).item()
        #expect(abs(smoothed.loss - expected) < 1e-5, "\(name): loss \(smoothed.loss), smoothed CE \(expected)")
        #expect(abs(smoothed.loss - plain.loss) > 1e-3, "\(name): smoothing did not change the loss")
    }
}
