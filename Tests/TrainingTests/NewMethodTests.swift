// Amata, DEAT-p and N-FGSM against their reference scripts (docs/methods.md §1.5, §2.8):
// N-FGSM's perturbation on a linear model and Amata's K(e) and step sizes against
// Fixtures/new_methods.json (scripts/fixtures/gen_new_methods.py, PyTorch), DEAT-p's trigger by
// hand, and the trigger wired to the loop's training accuracy.
import Foundation
import NN
import TestSupport
import Testing
import Torch
@testable import Training

struct NewMethodsFixture: Decodable {
    struct NFGSMCase: Decodable {
        let epsilon: Double
        let alpha: Double
        let weight: [Float]
        let bias: [Float]
        let x: [Float]
        let labels: [Int64]
        let noise: [Float]
        let gradient: [Double]
        let delta: [Double]
    }
    struct AmataRun: Decodable {
        let epochs: Int
        let steps: [Int]
        let stepSizes: [Double]
    }
    struct Amata: Decodable {
        let tau: Double
        let minimum: Int
        let maximum: Int
        let runs: [AmataRun]
    }
    let nfgsm: NFGSMCase
    let amata: Amata

    static func load() throws -> NewMethodsFixture {
        try loadFixture("new_methods", as: NewMethodsFixture.self)
    }
}

/// y = flatten(x)·Wᵀ + b with given weights.
final class FixedLinear: Layer {
    let weight: Tensor
    let bias: Tensor
    var training = true
    init(weight: Tensor, bias: Tensor) { (self.weight, self.bias) = (weight, bias) }
    var localParameters: [(name: String, tensor: Tensor)] { [("weight", weight), ("bias", bias)] }
    func callAsFunction(_ input: Tensor) throws -> Tensor { try F.linear(input.flattened(from: 1), weight: weight, bias: bias) }
}

struct NewMethodTests {
    @Test("N-FGSM's perturbation is train.py's: noise plus one signed step, clamped to the box only, so it may leave the ε-ball")
    func nfgsmMatchesReference() throws {
        let f = try NewMethodsFixture.load().nfgsm
        let model = FixedLinear(weight: try Tensor(f.weight, shape: [4, 9]), bias: try Tensor(f.bias))
        let x = try Tensor(f.x, shape: [2, 1, 3, 3])
        let (delta, gradient) = try NFGSM.perturbation(
            model: model, images: x, labels: Tensor(f.labels), noise: Tensor(f.noise, shape: [2, 1, 3, 3]), stepSize: f.alpha,
            box: Box(around: x))
        try expectClose(gradient, f.gradient, shape: [2, 1, 3, 3], rtol: 1e-5, atol: 1e-7, "∇η CE")
        try expectClose(delta, f.delta, shape: [2, 1, 3, 3], rtol: 1e-6, atol: 1e-7, "δ")
        // By design: beyond ε (no projection), never beyond (k + 1)ε, always inside [0, 1].
        let size = try delta.abs().max().item()
        #expect(size > f.epsilon + 1e-3 && size <= 3 * f.epsilon + 1e-6)
        #expect(try (x + delta).min().item() >= 0 && (x + delta).max().item() <= 1)
    }

    @Test("N-FGSM's defaults: α = ε, noise 2ε, the overfitting guard on, and train.py's 30 cyclic epochs at 0.2 on CIFAR")
    func nfgsmDefaults() {
        let c = TrainingConfig.defaults(method: .nfgsm, dataset: .cifar10)
        #expect(c.alpha == c.epsilon && c.noiseScale == 2 && c.overfittingGuard)
        #expect((c.epochs, c.schedule, c.learningRate) == (30, .cyclic, 0.2))
        #expect(TrainingConfig.defaults(method: .nfgsm, dataset: .cifar10, setting: .fast).epochs == 30)
    }

    @Test("Amata's steps per epoch and step sizes are amata_cifar10.py's for every run length")
    func amataSchedule() throws {
        let f = try NewMethodsFixture.load().amata
        #expect(f.runs.count == 5)
        for run in f.runs {
            let method = PGDAT.amata(minimumSteps: f.minimum, maximumSteps: f.maximum, epochs: run.epochs, total: f.tau)
            let steps = (0..<run.epochs).map { method.policy.count(epoch: $0) }
            #expect(steps == run.steps, "E = \(run.epochs)")
            expectClose(steps.map { method.stepSize.value(epsilon: 8.0 / 255, steps: $0) }, run.stepSizes, rtol: 1e-15, "E = \(run.epochs)")
        }
        // M+Amata: the one M+ rule, starting from Amata's K = 2, with τ/K steps from zero.
        let mplus = MethodName.mplusAmata.make(config: TrainingConfig.defaults(method: .mplusAmata, dataset: .cifar10))
        guard case .mPlus(let rule) = mplus.policy else { Issue.record("M+Amata's K must come from the M+ rule"); return }
        #expect((rule.count, rule.maximum, rule.minimumBudget) == (2, 10, nil))
        #expect(mplus.settings["step_size"] == "\(20.0 / 255)/n")
        let c = TrainingConfig.defaults(method: .amata, dataset: .cifar10)
        #expect(abs(c.alpha - 20.0 / 255) < 1e-15 && c.iterations == 10 && c.epochs == 50)
        #expect(c.lrMilestones == .halfAndFourFifths)
    }

    @Test("DEAT-p raises r by one after an epoch whose training accuracy exceeds p, never past its cap, never on equality")
    func deatPTrigger() {
        var policy = IterationPolicy.accuracyTriggered(threshold: 0.4, maximum: 4, count: 1)
        var counts: [Int] = []
        for accuracy in [0.2, 0.4, 0.41, 0.3, 0.9, 0.95, 0.99, 1.0] {
            counts.append(policy.count(epoch: counts.count))
            policy.endEpoch(trainingAccuracy: accuracy)
        }
        #expect(counts == [1, 1, 1, 2, 2, 3, 4, 4])
        // The other policies ignore the accuracy.
        var fixed = IterationPolicy.fixed(3)
        fixed.endEpoch(trainingAccuracy: 1)
        #expect(fixed == .fixed(3))
    }

    @Test("DEAT-p in the loop: r follows the epoch's training accuracy (p = −1 always raises, p = 1 never does)")
    func deatPInTheLoop() throws {
        for (threshold, expected) in [(-1.0, [1, 2, 3]), (1.0, [1, 1, 1])] {
            try withTemporaryDirectory { dir in
                var config = TrainerTests.config(.deatP)
                config.accuracyThreshold = threshold
                let trainer = try TrainerTests().train(config, in: dir)
                #expect(trainer.state.records.map(\.iterations) == expected, "p = \(threshold)")
                #expect(trainer.state.records.map(\.backwardPasses) == expected.map { 3 * $0 })  // 3 minibatches × r
            }
        }
    }
}
