// The perturbation carried across minibatches (FREE's and DEAT's ImageNet scripts'
// `global_noise_data`, docs/methods.md §2.11): the δ a minibatch starts from is the one the
// previous minibatch ended with, the model sees clamp(x + δ, 0, 1), δ stays in the ε-ball, and a
// shorter last minibatch uses and updates only the first rows.
import Models
import NN
import Testing
import TestSupport
import Torch
@testable import Training

@Suite("Carried perturbation")
struct CarriedPerturbationTests {
    static let epsilon = 0.1

    func step(_ method: DEAT, _ model: Recorder, _ optimizer: SGD, _ carrier: CarriedPerturbation, images x: Tensor, seed: UInt64) throws {
        let context = StepContext(
            model: model, optimizer: optimizer, inputScale: try Tensor.ones([1, 1, 1, 1]), epsilon: Self.epsilon, epoch: 0,
            generator: try Generator(seed: seed), carried: carrier)
        _ = try method.step(images: x, labels: Tensor.randint(0, 10, shape: [x.shape[0]], generator: Generator(seed: seed)), context: context)
    }

    @Test("minibatch k + 1 starts from minibatch k's final δ; inputs are clamp(x + δ, 0, 1) with δ in the ε-ball; a short batch keeps the other rows")
    func carriesAcrossMinibatches() throws {
        var method = DEAT.free(replays: 2, epsilon: Self.epsilon)
        method.carries = true
        let model = try Recorder()
        let optimizer = try SGD(parameters: model.parameters(), learningRate: 0.05, momentum: 0.9)
        let carrier = CarriedPerturbation(batchSize: 8)
        let gen = try Generator(seed: 11)
        let (first, second) = (try Tensor.rand([8, 1, 28, 28], generator: gen), try Tensor.rand([8, 1, 28, 28], generator: gen))

        try step(method, model, optimizer, carrier, images: first, seed: 1)
        // Training starts from δ = 0, and FREE steps α = ε: after the first replay δ = ±ε wherever
        // the gradient is non-zero.
        try expectClose(model.inputs[0], try first.doubles(), atol: 0, "first input: x itself")
        let afterFirst = try #require(carrier.buffer).cloned()
        #expect(try afterFirst.abs().max().item() <= Self.epsilon + 1e-7)
        #expect(try afterFirst.abs().max().item() > Self.epsilon / 2, "δ did not move")

        try step(method, model, optimizer, carrier, images: second, seed: 2)
        let expected = try (second + afterFirst).clamped(min: 0, max: 1)
        try expectClose(model.inputs[2], try expected.doubles(), atol: 1e-7, "minibatch 2 starts from minibatch 1's δ")
        for input in model.inputs {
            #expect(try input.min().item() >= 0 && input.max().item() <= 1)
        }
        #expect(try (model.inputs[3] - second).abs().max().item() <= Self.epsilon + 1e-6)

        // A last minibatch of 3 reads and writes rows 0..<3 only.
        let before = try #require(carrier.buffer).cloned()
        let short = try Tensor.rand([3, 1, 28, 28], generator: gen)
        try step(method, model, optimizer, carrier, images: short, seed: 3)
        let after = try #require(carrier.buffer)
        #expect(after.shape == [8, 1, 28, 28])
        #expect(try after.slice(dim: 0, 3..<8).bytes() == before.slice(dim: 0, 3..<8).bytes())
        #expect(try after.slice(dim: 0, 0..<3).bytes() != before.slice(dim: 0, 0..<3).bytes())
        try expectClose(model.inputs[4], try (short + before.slice(dim: 0, 0..<3)).clamped(min: 0, max: 1).doubles(), atol: 1e-7)
    }

    @Test("Table 7's recipe: ResNet-50, the replay methods carry δ; M+DEAT steps 6/255 with γ = 1.1, r ≤ 4, lr ×0.1 at epochs 9 and 16; FREE-4 at 8 and 16")
    func imageNetRecipe() {
        let mdeat = TrainingConfig.defaults(method: .mplusDEAT, dataset: .folder, setting: .imagenet)
        #expect(mdeat.model == .resNet50 && mdeat.carryPerturbation && mdeat.epochs == 23 && mdeat.batchSize == 256 && mdeat.iterations == 4)
        #expect(abs(mdeat.epsilon - 4.0 / 255) < 1e-15 && abs(mdeat.alpha - 6.0 / 255) < 1e-15 && mdeat.gamma == 1.1)
        #expect(mdeat.learningRate == 0.1 && mdeat.weightDecay == 1e-4 && mdeat.lrMilestones == .epochs([9, 16]))
        let free = TrainingConfig.defaults(method: .free, dataset: .folder, setting: .imagenet)
        #expect(free.carryPerturbation && free.iterations == 4 && abs(free.alpha - 4.0 / 255) < 1e-15 && free.lrMilestones == .epochs([8, 16]))
        #expect(!TrainingConfig.defaults(method: .pgd, dataset: .folder, setting: .imagenet).carryPerturbation)
        #expect(!TrainingConfig.defaults(method: .free, dataset: .cifar10).carryPerturbation)
        #expect(TrainingConfig.defaults(method: .mplusDEAT, dataset: .folder, iterations: 6, setting: .imagenet).iterations == 6)
    }
}
