// Friendly adversarial training (docs/methods.md §2.10): deat's masked early-stopped PGD gives the
// perturbations of FAT's earlystop.py, example by example, on cases where examples stop at
// different steps (Fixtures/fat.json from scripts/fixtures/gen_fat.py, PyTorch), for the
// cross-entropy (FAT, F+MART) and KL (F+TRADES) attacks; and the methods' defaults.
import Foundation
import NN
import TestSupport
import Testing
import Torch
@testable import Training

struct FATFixture: Decodable {
    struct Case: Decodable {
        let loss: String
        let steps: Int
        let tau: Int
        let epsilon: Double
        let stepSize: Double
        let weight: [Float]
        let bias: [Float]
        let x: [Float]
        let labels: [Int64]
        let start: [Float]
        let delta: [Double]
        /// Σ over steps of the examples still iterating: earlystop.py's `count`.
        let backwardExamples: Int
    }
    let cases: [Case]

    static func load() throws -> [Case] {
        try loadFixture("fat", as: FATFixture.self).cases
    }
}

struct FATTests {
    @Test("early-stopped PGD stops each example where earlystop.py does and gives its perturbation", arguments: 0..<5)
    func earlyStoppedPGDMatchesReference(index: Int) throws {
        let c = try FATFixture.load()[index]
        let shape = [16, 1, 4, 4]
        let model = FixedLinear(weight: try Tensor(c.weight, shape: [3, 16]), bias: try Tensor(c.bias))
        let x = try Tensor(c.x, shape: shape)
        let attack = EarlyStoppedPGD(stepSize: c.stepSize, tau: c.tau, omega: 0, usesKL: c.loss == "kl")
        let (delta, gradient) = try attack.perturb(
            model: model, images: x, labels: Tensor(c.labels), start: Tensor(c.start, shape: shape), steps: c.steps,
            epsilon: c.epsilon, generator: Generator(seed: 0))
        try expectClose(delta, c.delta, shape: shape, rtol: 1e-5, atol: 1e-6, "\(c.loss), K = \(c.steps), τ = \(c.tau)")
        #expect(gradient != nil)
        // The cases stop examples early: fewer example-steps than K per example.
        #expect(c.backwardExamples < c.steps * 16)
        #expect(try delta.abs().max().item() <= c.epsilon + 1e-6)
        #expect(try (x + delta).min().item() >= 0 && (x + delta).max().item() <= 1)
    }

    @Test("FAT-5, F+TRADES and F+MART as the DEAT scripts run them: K = 5 or 10, 2/255, τ = 3, lr 0.05 ×0.1 at epochs 25 and 40")
    func defaults() {
        let fat = TrainingConfig.defaults(method: .fat, dataset: .cifar10)
        #expect((fat.iterations, fat.fatTau, fat.epochs, fat.learningRate, fat.lrMilestones) == (5, 3, 50, 0.05, .halfAndFourFifths))
        #expect(abs(fat.alpha - 2.0 / 255) < 1e-15)
        #expect(TrainingConfig.defaults(method: .fatTRADES, dataset: .cifar10).iterations == 10)
        #expect(TrainingConfig.defaults(method: .fatMART, dataset: .cifar10).beta == 6)
        let method = MethodName.fatTRADES.make(config: TrainingConfig.defaults(method: .fatTRADES, dataset: .cifar10))
        #expect(method.settings["loss"] == "trades" && method.settings["omega"] == "0.0" && method.settings["start"] == "smallNormal")
        #expect(MethodName.fat.make(config: fat).settings["start"] == "uniform")
        #expect(MethodName.fat.make(config: fat).settings["omega"] == "0.001")
        if case .mPlus = MethodName.mplusFAT.make(config: fat).policy {} else { Issue.record("M+FAT's K must come from the M+ rule") }
    }
}
