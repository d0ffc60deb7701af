// Sanity flags (docs/attacks.md §10.4, §13.7) on models built to trip them, and an end-to-end check
// that the attack suite is at least as strong as its parts: on a SmallCNN briefly PGD-trained on
// Fashion-MNIST, AutoAttack (reduced iterations) gives a robust accuracy no higher than PGD-20's,
// with a cumulative per-attack table.
import Attacks
import DataFormats
import Datasets
import Foundation
import Models
import NN
import Testing
import TestSupport
import Torch
@testable import Evaluation

final class Noisy: Layer {
    var training = true
    func callAsFunction(_ input: Tensor) throws -> Tensor { try input + Tensor.randn(input.shape) * 0.5 }
}

final class SoftmaxHead: Layer {
    var training = true
    func callAsFunction(_ input: Tensor) throws -> Tensor { try F.softmax(input, dim: 1) }
}

final class Quantize: Layer {
    var training = true
    func callAsFunction(_ input: Tensor) throws -> Tensor { try (input * 4).rounded() / 4 }  // zero gradient everywhere
}

@Suite("Sanity flags and end-to-end AutoAttack")
struct SanityAndEndToEndTests {
    let x = try! Tensor.rand([12, 1, 8, 8], generator: Generator(seed: 2))

    @Test("randomised model, softmax outputs, zero gradients and train mode are flagged; a plain model is not")
    func flags() throws {
        let plain = try smallNet()
        let y = try withNoGrad { try plain(x).argmax(dim: 1) }
        #expect(try SanityChecks.stochasticModel(plain, images: x) == nil)
        #expect(try SanityChecks.softmaxOutputs(plain, images: x) == nil)
        #expect(try SanityChecks.zeroGradients(plain, images: x, labels: y) == nil)
        #expect(try SanityChecks.stochasticModel(Sequential([Noisy(), plain]), images: x)?.name == "randomized-model")
        #expect(try SanityChecks.softmaxOutputs(Sequential([plain, SoftmaxHead()]), images: x)?.name == "softmax-output")
        #expect(try SanityChecks.zeroGradients(Sequential([Quantize(), plain]), images: x, labels: y)?.name == "zero-gradient")
    }

    @Test("ε-sweep: robust accuracy is monotone and reaches 0 at ε = 1 on an ordinary model; a masked model is flagged")
    func sweep() throws {
        let model = try smallNet()
        let y = try withNoGrad { try model(x).argmax(dim: 1) }
        let eps = [0.0, 8.0 / 255, 64.0 / 255, 1.0]
        let (points, flags) = try SanityChecks.epsilonSweep(model, images: x, labels: y, epsilons: eps) { e in
            PGD(epsilon: e, stepSize: e / 4, steps: 10)
        }
        #expect(points.first?.robustAccuracy == 1 && points.last?.robustAccuracy == 0)
        #expect(flags.isEmpty, "\(flags)")
        let masked = Sequential([Quantize(), model])
        let (_, maskedFlags) = try SanityChecks.epsilonSweep(masked, images: x, labels: y, epsilons: [0, 1]) { e in
            PGD(epsilon: e, stepSize: e / 4, steps: 5)
        }
        #expect(maskedFlags.contains { $0.name == "large-eps-not-zero" })
    }

    @Test("AutoAttack (reduced) ≤ PGD-20 on a PGD-trained Fashion-MNIST SmallCNN; cumulative table non-increasing",
          .enabled(if: fashionMNISTAvailable, fashionMNISTMissing))
    func autoAttackBelowPGD() throws {
        let eps = 0.1
        let data = try loadImageSet(.fashionMNIST, split: .train, directory: URL(fileURLWithPath: debianFashionMNIST))
        let count = 4096, test = 40
        let all = try Tensor(Array(data.images[0..<((count + test) * 784)]).map { Float($0) / 255 }, shape: [count + test, 1, 28, 28])
        let labels = try Tensor(Array(data.labels[0..<(count + test)]), shape: [count + test])
        let model = try SmallCNN(generator: Generator(seed: 0))
        let sgd = try SGD(parameters: model.parameters(), learningRate: 0.05, momentum: 0.9)
        let trainAttack = PGD(epsilon: eps, stepSize: 0.04, steps: 3)
        let gen = try Generator(seed: 1)
        // A short PGD-AT run (docs/attacks.md §12 style, attack in eval mode): enough for non-trivial robustness.
        for step in 0..<400 {
            let start = (step * 64) % count
            let xb = try all.narrowed(dim: 0, start: start, length: 64)
            let yb = try labels.narrowed(dim: 0, start: start, length: 64)
            let adv = try trainAttack.perturb(model: model, images: xb, labels: yb, mode: .eval, generator: gen)
            model.train()
            let loss = try F.crossEntropy(model(adv), target: yb)
            try sgd.zeroGrad()
            try loss.backward()
            try sgd.step()
        }
        let xt = try all.narrowed(dim: 0, start: count, length: test)
        let yt = try labels.narrowed(dim: 0, start: count, length: test)
        let pgd = try RobustnessEvaluator(model: model, attacks: [PGD(epsilon: eps, stepSize: eps / 4, steps: 20)], epsilon: eps, batchSize: 40)
            .run(images: xt, labels: yt)
        let aa = try RobustnessEvaluator(
            model: model, attacks: AttackSuite.autoAttackStandard(epsilon: eps, steps: 20, targets: 3, squareQueries: 100),
            epsilon: eps, batchSize: 40
        ).run(images: xt, labels: yt)
        #expect(aa.clean == pgd.clean && aa.clean >= test / 2, "clean \(aa.clean), PGD-20 \(pgd.robust), AA \(aa.attacks.map(\.robustAfter))")
        #expect(aa.robust <= pgd.robust, "AA \(aa.robust) vs PGD-20 \(pgd.robust) of \(test)")
        #expect(pgd.robust > 0, "the model should be somewhat robust after PGD-AT")
        let table = aa.attacks.map(\.robustAfter)
        #expect(aa.attacks.map(\.name) == ["apgd-ce", "apgd-t", "fab-t", "square"])
        #expect(table == table.sorted(by: >=) && table.last == aa.robust, "\(table)")
    }
}
