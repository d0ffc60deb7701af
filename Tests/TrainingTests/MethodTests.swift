// Every training method on one minibatch: each input the model sees lies in the ε-ball around the
// clean image and in [0, 1]; the reported forward/backward counts are the passes actually run;
// the weights move; the magnitude is positive once an attack step ran.
import Models
import NN
import Testing
import TestSupport
import Torch
@testable import Training

/// Wraps a model and keeps a copy of every input it is called with. A full forward pass is a call,
/// or a pass through the first layer and then the rest (YOPO); `firstLayerOnly` counts the passes
/// through the first layer alone (YOPO's inner steps).
final class Recorder: SplitAtFirstLayer {
    let inner: SmallCNN
    var inputs: [Tensor] = []
    /// Inputs to `firstLayer`, and how many of its outputs went on through `rest`.
    private var firstLayerInputs: [Tensor] = []
    private var restCalls = 0
    var training = true

    init() throws { inner = try SmallCNN(generator: Generator(seed: 0)) }
    var children: [(name: String, module: any Module)] { [("inner", inner)] }

    func callAsFunction(_ input: Tensor) throws -> Tensor {
        inputs.append(try input.detached().cloned())
        return try inner(input)
    }

    func firstLayer(_ input: Tensor) throws -> Tensor {
        firstLayerInputs.append(try input.detached().cloned())
        return try inner.firstLayer(input)
    }

    func rest(_ h: Tensor) throws -> Tensor {
        restCalls += 1
        return try inner.rest(h)
    }

    /// Full forward passes: calls, and first-layer outputs that went through the rest.
    var forwardPasses: Int { inputs.count + restCalls }
    var firstLayerOnly: Int { firstLayerInputs.count - restCalls }
    /// Every input the model saw, whole or through its first layer alone.
    var allInputs: [Tensor] { inputs + firstLayerInputs }
}

@Suite("Training methods")
struct MethodTests {
    static let epsilon = 0.1
    /// Each method, the passes it runs at epoch 0, and how far from x its inputs may be, in ε.
    static var methods: [(String, any TrainingMethod, forward: Int, backward: Int, radius: Double)] { [
        ("deat r=3", DEAT(policy: .fixed(3), stepSize: 0.125, startRadius: epsilon), 3, 3, 1),
        ("deat-p r=2", DEAT(policy: .accuracyTriggered(threshold: 0.4, maximum: 4, count: 2), stepSize: 0.125, startRadius: epsilon), 2, 2, 1),
        ("free-2", DEAT.free(replays: 2, epsilon: epsilon), 2, 2, 1),
        ("fgsm-rs", FGSMRS(epsilon: epsilon), 2, 2, 1),
        // N-FGSM: noise up to 2ε plus a step of ε, not projected back (by design).
        ("nfgsm", NFGSM(stepSize: epsilon, noiseScale: 2), 2, 2, 3),
        // GradAlign: the FGSM forward, the training forward and the regulariser's at x + η.
        ("gradalign", GradAlign(stepSize: 1.25 * epsilon, lambda: 0.2), 3, 3, 1),
        ("pgd-3", PGDAT(policy: .fixed(3), stepSize: .fixed(0.04)), 4, 4, 1),
        ("mplus-pgd n=2", PGDAT(policy: .fixed(2), stepSize: .epsilonOverStepsAtLeast(0.02), magnitudeSource: .trainingLoss), 3, 3, 1),
        // Amata at epoch 0 of 5: K = 2 steps of τ/2.
        ("amata", PGDAT.amata(maximumSteps: 10, epochs: 5, total: 2.5 * epsilon), 3, 3, 1),
        ("trades-2", TRADES(policy: .fixed(2), stepSize: .fixed(0.04)), 7, 3, 1),
        // FAT: K eval-mode attack steps, one update; F+TRADES adds the natural forward of its KL
        // attack, and both it and F+MART the natural forward of the update.
        ("fat-3", FriendlyAdversarialTraining(name: "fat", policy: .fixed(3), stepSize: 0.04, tau: 1, objective: .crossEntropy), 4, 4, 1),
        ("fat-trades-2", FriendlyAdversarialTraining(name: "fat-trades", policy: .fixed(2), stepSize: 0.04, tau: 1, objective: .trades(beta: 6)), 5, 3, 1),
        ("fat-mart-2", FriendlyAdversarialTraining(name: "fat-mart", policy: .fixed(2), stepSize: 0.04, tau: 1, objective: .mart(beta: 6)), 4, 3, 1),
        ("mart-2", MART(policy: .fixed(2), stepSize: .fixed(0.04)), 4, 3, 1),
        // YOPO-2-3: two full passes; its 2·(3 + 1) first-layer passes are not counted.
        ("yopo-2-3", YOPO(policy: .fixed(2), stepSize: 0.04, innerSteps: 3), 2, 2, 1),
        ("standard", Standard(), 1, 1, 1),
    ] }

    @Test("inputs stay in the ε-ball (N-FGSM: 3ε) and [0, 1]; counts, weights and magnitude are right", arguments: MethodTests.methods.indices)
    func step(index: Int) throws {
        let (name, method, forward, backward, radius) = Self.methods[index]
        let model = try Recorder()
        let optimizer = try SGD(parameters: model.parameters(), learningRate: 0.05, momentum: 0.9)
        let gen = try Generator(seed: 3)
        // Pixels at 0 and 1 exercise the box clamp.
        let binary = try Tensor.rand([8, 1, 28, 28], generator: gen).rounded()
        let x = try (binary * 0.7 + Tensor.rand([8, 1, 28, 28], generator: gen) * 0.3).clamped(min: 0, max: 1)
        let y = try Tensor.randint(0, 10, shape: [8], generator: gen)
        let before = try model.inner.fc.weight.floats()
        let context = StepContext(
            model: model, optimizer: optimizer, inputScale: try Tensor.full([1, 1, 1, 1], 0.353), epsilon: Self.epsilon, epoch: 0,
            generator: try Generator(seed: 4))
        let result = try method.step(images: x, labels: y, context: context)
        #expect(result.forwardPasses == forward, "\(name)")
        #expect(result.backwardPasses == backward, "\(name)")
        #expect(model.forwardPasses == forward, "\(name): the model ran \(model.forwardPasses) forward passes")
        if method is YOPO { #expect(model.firstLayerOnly == 2 * 4, "\(name): \(model.firstLayerOnly) first-layer passes") }
        var farthest = 0.0
        for input in model.allInputs {
            let distance = try (input - x).abs().max().item()
            farthest = max(farthest, distance)
            #expect(distance <= radius * Self.epsilon + 1e-6, "\(name): ‖x′ − x‖∞ = \(distance)")
            #expect(try input.min().item() >= 0 && input.max().item() <= 1, "\(name): outside [0, 1]")
        }
        // N-FGSM really does train outside the ε-ball (the reason for its own radius above).
        if radius > 1 { #expect(farthest > 1.5 * Self.epsilon, "\(name): farthest input \(farthest)") }
        #expect(try model.inner.fc.weight.floats() != before, "\(name): weights did not move")
        #expect(result.loss.isFinite && result.examples == 8)
        #expect(result.gradientMagnitude > 0, "\(name)")
    }

    @Test("an attack step is the signed gradient step, then the ε-ball, then the [0, 1] box, in the reference methods' order (docs/methods.md §0)")
    func ascendOrder() throws {
        let x = try Tensor([0.0, 0.95, 0.5] as [Float])
        let box = try Box(around: x)
        let delta = try Tensor([0.05, 0.05, 0.09] as [Float])
        let g = try Tensor([-1, 1, 1] as [Float])
        // −1: 0.05 − 0.1 = −0.05 → box → 0 (x = 0); +1: 0.15 → ε 0.1 → box 0.05; 0.19 → ε 0.1.
        expectClose(try ascend(delta, gradient: g, stepSize: 0.1, epsilon: 0.1, box: box).doubles(), [0, 0.05, 0.1], atol: 1e-7)
    }

    @Test("M+ magnitude is ‖∂L/∂x · σ‖₁")
    func magnitude() throws {
        let g = try Tensor([1, -2, 3, -4] as [Float], shape: [1, 2, 2, 1])
        let scale = try Tensor([0.5, 2] as [Float], shape: [1, 2, 1, 1])
        #expect(try normalizedL1(g, inputScale: scale).item() == 0.5 + 1 + 6 + 8)
    }

    @Test("M+ methods run no attack step in epoch 0 and report zero magnitude")
    func epochZero() throws {
        let model = try Recorder()
        let method = PGDAT(policy: .mPlus(.attackSteps(maximum: 7)), stepSize: .epsilonOverStepsAtLeast(0.02))
        let context = StepContext(
            model: model, optimizer: try SGD(parameters: model.parameters(), learningRate: 0.01), inputScale: try Tensor.ones([1, 1, 1, 1]),
            epsilon: 0.1, epoch: 0, generator: try Generator(seed: 1))
        let result = try method.step(images: Tensor.rand([4, 1, 28, 28]), labels: Tensor([1, 2, 3, 4] as [Int64]), context: context)
        #expect(result.forwardPasses == 1 && result.gradientMagnitude == 0)
    }
}
