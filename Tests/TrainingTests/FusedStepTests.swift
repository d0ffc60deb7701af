// The replay methods with the fused signed step (Tensor.signStep) against the same replays written
// with the five composed ops they used before: over two minibatches (so momentum carries), the
// weights, and the carried δ, are the same to the bit.
import Models
import NN
import Testing
import TestSupport
import Torch
@testable import Training

@Suite("Fused δ update in the replay methods")
struct FusedStepTests {
    static let epsilon = 0.1

    /// Two minibatches with pixels at 0 and 1, so that the box clamps.
    func minibatches() throws -> [(Tensor, Tensor)] {
        let gen = try Generator(seed: 5)
        return try (0..<2).map { _ in
            let binary = try Tensor.rand([16, 1, 28, 28], generator: gen).rounded()
            let x = try (binary * 0.7 + Tensor.rand([16, 1, 28, 28], generator: gen) * 0.3).clamped(min: 0, max: 1)
            return (x, try Tensor.randint(0, 10, shape: [16], generator: gen))
        }
    }

    /// DEAT's replays as written before the fused step (docs/methods.md §1.3): δ from the uniform
    /// start or the carrier, the signed step, the ε-ball, then the box (or, carried, the clamped input).
    func composedReplays(
        model: SmallCNN, optimizer: SGD, x: Tensor, y: Tensor, replays: Int, alpha: Double, start: Tensor, carried: Bool
    ) throws -> Tensor {
        let (low, high) = (try -x, try 1 - x)
        var delta = carried ? start : try start.clamped(min: low, max: high)
        for _ in 0..<replays {
            let d = try delta.detached().requiringGrad()
            let input = carried ? try (x + d).clamped(min: 0, max: 1) : try x + d
            let loss = try F.crossEntropy(model(input), target: y, labelSmoothing: 0)
            try optimizer.zeroGrad()
            try loss.backward()
            let g = try #require(try d.grad)
            delta = try (d.detached() + g.sign() * alpha).clamped(min: -Self.epsilon, max: Self.epsilon)
            if !carried { delta = try delta.clamped(min: low, max: high) }
            try optimizer.step()
        }
        return delta
    }

    @Test("DEAT r = 3 (uniform start, box) and carried FREE-3: the same weights and δ as the composed ops", arguments: [false, true])
    func sameAsComposed(carried: Bool) throws {
        var method = carried ? DEAT.free(replays: 3, epsilon: Self.epsilon) : DEAT(policy: .fixed(3), stepSize: 0.125, startRadius: Self.epsilon)
        method.carries = carried
        let (fused, reference) = (try SmallCNN(generator: Generator(seed: 0)), try SmallCNN(generator: Generator(seed: 0)))
        let fusedSGD = try SGD(parameters: fused.parameters(), learningRate: 0.05, momentum: 0.9, weightDecay: 5e-4)
        let referenceSGD = try SGD(parameters: reference.parameters(), learningRate: 0.05, momentum: 0.9, weightDecay: 5e-4)
        let carrier = CarriedPerturbation(batchSize: 16)
        var referenceDelta = try Tensor.zeros([16, 1, 28, 28])
        for (k, (x, y)) in try minibatches().enumerated() {
            let seed = UInt64(20 + k)
            _ = try method.step(images: x, labels: y, context: StepContext(
                model: fused, optimizer: fusedSGD, inputScale: Tensor.ones([1, 1, 1, 1]), epsilon: Self.epsilon, epoch: 0,
                generator: Generator(seed: seed), carried: carried ? carrier : nil))
            let start = carried ? referenceDelta
                : try initialPerturbation(.uniform, like: x, radius: Self.epsilon, generator: Generator(seed: seed))
            referenceDelta = try composedReplays(
                model: reference, optimizer: referenceSGD, x: x, y: y, replays: 3, alpha: max(Self.epsilon / 3, method.stepSize),
                start: start, carried: carried)
        }
        for (a, b) in zip(try fused.parameters(), try reference.parameters()) {
            #expect(try a.floats() == b.floats())
        }
        if carried { #expect(try #require(carrier.buffer).floats() == referenceDelta.floats()) }
    }
}
