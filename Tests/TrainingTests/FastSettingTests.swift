// --setting fast against the FAST scripts' normalised-space step (docs/methods.md §1.5, §2.6):
// mdeat_cifar10.py keeps δ in normalised space with ε/σ_c, α/σ_c and the box [(0 − μ_c)/σ_c,
// (1 − μ_c)/σ_c] per channel; deat keeps δ in pixels. Fixtures/fast_setting.json
// (scripts/fixtures/gen_fast_setting.py) runs the reference's replay step in PyTorch; deat's step
// with the fast preset's ε and α, divided by σ, must be the same δ, and its M+ magnitude the same sum.
import DataFormats
import Foundation
import NN
import TestSupport
import Testing
import Torch
@testable import Training

struct FastSettingFixture: Decodable {
    let shape: [Int]
    let x: [Float]
    let delta: [Float]
    let normalizedGradient: [Float]
    let normalizedDeltaAfter: [Double]
    let magnitude: Double

    static func load() throws -> FastSettingFixture {
        try loadFixture("fast_setting", as: FastSettingFixture.self)
    }
}

struct FastSettingTests {
    @Test("the fast preset's M+DEAT step in pixels is the FAST script's per-channel step in normalised space")
    func pixelStepEqualsNormalisedStep() throws {
        let f = try FastSettingFixture.load()
        let config = TrainingConfig.defaults(method: .mplusDEAT, dataset: .cifar10, setting: .fast)
        #expect(abs(config.alpha - 12.0 / 255) < 1e-15 && abs(config.epsilon - 8.0 / 255) < 1e-15)
        let normalization = Normalization.forDataset(.cifar10)
        #expect(normalization.std == [0.2471, 0.2435, 0.2616] && normalization.mean == [0.4914, 0.4822, 0.4465])

        let sigma = try Tensor(normalization.std, shape: [1, 3, 1, 1])
        let x = try Tensor(f.x, shape: f.shape)
        let delta = try Tensor(f.delta, shape: f.shape)
        // ∂L/∂x = ∂L/∂x̃ / σ: the same sign, so the same step direction.
        let normalizedGradient = try Tensor(f.normalizedGradient, shape: f.shape)
        let gradient = try normalizedGradient / sigma
        let after = try ascend(delta, gradient: gradient, stepSize: config.alpha, epsilon: config.epsilon, box: Box(around: x))
        try expectClose(after / sigma, f.normalizedDeltaAfter, shape: f.shape, rtol: 1e-5, atol: 2e-6, "δ/σ after one replay")
        // Some coordinates hit each constraint, so the comparison covers the ball and both box edges.
        let normalized = try (after / sigma).doubles()
        let epsilons = normalization.std.map { config.epsilon / Double($0) }
        let perChannel = f.shape[2] * f.shape[3]
        let atBall = normalized.indices.filter { abs(abs(normalized[$0]) - epsilons[($0 / perChannel) % 3]) < 1e-5 }
        #expect(atBall.count > 10)
        #expect(try (x + after).min().item() == 0 && (x + after).max().item() == 1)

        let magnitude = try normalizedL1(gradient, inputScale: sigma).item()
        #expect(abs(magnitude - f.magnitude) <= 1e-5 * f.magnitude)
    }
}
