// GradAlign (docs/methods.md §2.8): the regulariser and its gradient through the double backward
// against train.py's computation (Fixtures/gradalign.json from scripts/fixtures/gen_gradalign.py,
// PyTorch), λ by ε as the paper's CIFAR runs set it, and the method's defaults.
import NN
import TestSupport
import Testing
import Torch
@testable import Training

struct GradAlignFixture: Decodable {
    let epsilon: Double
    let lambda: Double
    let parameters: [[Float]]
    let x: [Float]
    let labels: [Int64]
    let noise: [Float]
    let firstGradient: [Float]
    let regularizer: Double
    let parameterGradients: [[Double]]
}

/// f(x) = W₂·tanh(W₁·flatten(x) + b₁) + b₂: an input gradient that turns with the input.
final class TanhNet: Layer {
    let w1: Tensor, b1: Tensor, w2: Tensor, b2: Tensor
    var training = true
    init(_ p: [[Float]]) throws {
        w1 = try Tensor(p[0], shape: [6, 9]).requiringGrad()
        b1 = try Tensor(p[1]).requiringGrad()
        w2 = try Tensor(p[2], shape: [3, 6]).requiringGrad()
        b2 = try Tensor(p[3]).requiringGrad()
    }
    var localParameters: [(name: String, tensor: Tensor)] { [("w1", w1), ("b1", b1), ("w2", w2), ("b2", b2)] }
    func callAsFunction(_ input: Tensor) throws -> Tensor {
        try F.linear(F.linear(input.flattened(from: 1), weight: w1, bias: b1).tanh(), weight: w2, bias: b2)
    }
}

struct GradAlignTests {
    @Test("the regulariser and its gradient through the input gradient are train.py's, skipping zero gradients")
    func regularizerMatchesReference() throws {
        let f = try loadFixture("gradalign", as: GradAlignFixture.self)
        let model = try TanhNet(f.parameters)
        let shape = [4, 1, 3, 3]
        let reg = try GradAlign.regularizer(
            model: model, images: Tensor(f.x, shape: shape), labels: Tensor(f.labels), firstGradient: Tensor(f.firstGradient, shape: shape),
            noise: Tensor(f.noise, shape: shape), lambda: f.lambda)
        #expect(abs(try reg.item() - f.regularizer) <= 1e-5 * f.regularizer + 1e-7)
        try reg.backward()
        for (k, (name, parameter)) in model.localParameters.enumerated() {
            let gradient = try parameter.grad
            try expectClose(try #require(gradient), f.parameterGradients[k], rtol: 1e-4, atol: 1e-7, "∂reg/∂\(name)")
        }
    }

    @Test("λ by ε as the paper's CIFAR-10 runs: 0.2 at 8/255, their rounded table at whole /255 steps, the curve between")
    func lambdaByEpsilon() {
        #expect(GradAlign.cifarLambda(epsilon: 8.0 / 255) == 0.2)
        #expect(GradAlign.cifarLambda(epsilon: 4.0 / 255) == 0.063)
        #expect(GradAlign.cifarLambda(epsilon: 16.0 / 255) == 2.0)
        #expect(abs(GradAlign.cifarLambda(epsilon: 8.5 / 255) - 0.2 * (4.0 / 3.0).squareRoot()) < 1e-12)
        let c = TrainingConfig.defaults(method: .gradAlign, dataset: .cifar10)
        #expect((c.epochs, c.schedule, c.learningRate, c.alignmentWeight, c.overfittingGuard) == (30, .cyclic, 0.3, 0.2, true))
        #expect(TrainingConfig.defaults(method: .gradAlign, dataset: .cifar10, epsilon: 16.0 / 255).alignmentWeight == 2.0)
        #expect(TrainingConfig.defaults(method: .gradAlign, dataset: .fashionMNIST).alignmentWeight == 0.2)
    }
}
