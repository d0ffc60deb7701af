// SGD and learning-rate schedules against torch.optim on the same gradients (Fixtures/optim.json).
import Foundation
import NN
import Testing
import TestSupport
import Torch

struct OptimFixture: Decodable {
    struct Run: Decodable {
        struct Settings: Decodable {
            let lr: Double
            let momentum: Double?
            let weight_decay: Double?
            let nesterov: Bool?
            let dampening: Double?
        }
        let settings: Settings
        let final: [[Double]]
    }
    let p0: [[Double]]
    let shapes: [[Int]]
    let grads: [[[Double]]]
    let sgd: [String: Run]
    let schedules: [String: [Double]]
}

@Suite("Optimisers and schedules match PyTorch")
struct OptimizerTests {
    let fixture: OptimFixture

    init() throws {
        let url = try #require(Bundle.module.url(forResource: "optim", withExtension: "json", subdirectory: "Fixtures"))
        fixture = try JSONDecoder().decode(OptimFixture.self, from: Data(contentsOf: url))
    }

    @Test("20 SGD steps equal torch.optim.SGD to 1e-6", arguments: ["plain", "momentum_wd", "nesterov", "dampening"])
    func sgd(setting: String) throws {
        let run = try #require(fixture.sgd[setting])
        let params = try zip(fixture.p0, fixture.shapes).map { try Tensor($0, shape: $1).requiringGrad() }
        let s = run.settings
        let optimizer = try SGD(
            parameters: params, learningRate: s.lr, momentum: s.momentum ?? 0, dampening: s.dampening ?? 0,
            weightDecay: s.weight_decay ?? 0, nesterov: s.nesterov ?? false)
        for (step, grads) in fixture.grads.enumerated() {
            if step == 10 { optimizer.learningRate *= 0.1 }
            try optimizer.zeroGrad()
            // Make each parameter's .grad exactly the fixture's gradient: d/dp Σ p·g = g.
            let surrogate = try zip(params, zip(grads, fixture.shapes)).map { p, gs in try (p * Tensor(gs.0, shape: gs.1)).sum() }
            try surrogate.dropFirst().reduce(surrogate[0]) { try $0 + $1 }.backward()
            try optimizer.step()
        }
        for (p, expected) in zip(params, run.final) {
            expectClose(try p.doubles(), expected, rtol: 0, atol: 1e-6, setting)
        }
    }

    @Test("momentum buffers survive a save/restore and the next step is unchanged")
    func restore() throws {
        func makeRun() throws -> (Tensor, SGD) {
            let p = try Tensor([1, 2] as [Double]).requiringGrad()
            return (p, try SGD(parameters: [p], learningRate: 0.1, momentum: 0.9))
        }
        func step(_ p: Tensor, _ opt: SGD) throws {
            try opt.zeroGrad()
            try (p * p).sum().backward()
            try opt.step()
        }
        let (a, optA) = try makeRun()
        try step(a, optA)
        let (b, optB) = try makeRun()
        try withNoGrad { try b.copy(from: a) }
        try optB.restore(momentumBuffers: optA.momentumBuffers)
        try step(a, optA)
        try step(b, optB)
        #expect(try a.doubles() == b.doubles())
        #expect(throws: NNError.self) { try optB.restore(momentumBuffers: []) }
    }

    @Test("bad hyper-parameters are rejected")
    func invalid() throws {
        let p = try Tensor([1] as [Float]).requiringGrad()
        #expect(throws: NNError.self) { try SGD(parameters: [p], learningRate: -1) }
        #expect(throws: NNError.self) { try SGD(parameters: [p], learningRate: 0.1, nesterov: true) }
        #expect(throws: NNError.self) { try SGD(parameters: [p], learningRate: 0.1, momentum: 0.9, dampening: 0.1, nesterov: true) }
    }

    @Test("schedules give PyTorch's learning rates, iteration by iteration")
    func schedules() throws {
        let cases: [(String, any LearningRateSchedule)] = [
            ("multistep", MultiStepRate(base: 0.2, milestones: [20, 32])),
            ("cyclic", CyclicRate(low: 0, high: 0.2, stepsUp: 15)),
            ("cosine", CosineRate(base: 0.2, total: 40, minimum: 0.001)),
        ]
        for (name, schedule) in cases {
            let expected = try #require(fixture.schedules[name])
            expectClose((0..<expected.count).map { schedule.rate(at: $0) }, expected, rtol: 1e-9, atol: 1e-12, name)
        }
    }
}
