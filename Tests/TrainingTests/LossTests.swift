// TRADES and MART losses against trades.py / mart.py (Fixtures/losses.json, scripts/fixtures/gen_training.py).
import Foundation
import Testing
import TestSupport
import Torch
import Training

@Suite("Training losses match PyTorch")
struct LossTests {
    let fixtures: FixtureFile

    init() throws {
        let url = try #require(Bundle.module.url(forResource: "losses", withExtension: "json", subdirectory: "Fixtures"))
        fixtures = try FixtureFile(contentsOf: url)
    }

    @Test("loss value and gradients w.r.t. natural and adversarial logits to 1e-5", arguments: ["trades", "mart"])
    func loss(name: String) throws {
        let c = try fixtures.named(name)
        let natural = try c.input("natural").requiringGrad(), adversarial = try c.input("adversarial").requiringGrad()
        let labels = try c.input("labels")
        let loss = name == "trades"
            ? try TrainingLoss.trades(naturalLogits: natural, adversarialLogits: adversarial, labels: labels, beta: 6)
            : try TrainingLoss.mart(naturalLogits: natural, adversarialLogits: adversarial, labels: labels, beta: 6)
        try expectClose(loss, c.output("loss").values, rtol: 1e-5, atol: 1e-5, "\(name) loss")
        let g = try grad(of: loss, wrt: [natural, adversarial])
        try expectClose(g[0], c.output("grad_natural").values, rtol: 1e-5, atol: 1e-5, "\(name) ∂/∂natural")
        try expectClose(g[1], c.output("grad_adversarial").values, rtol: 1e-5, atol: 1e-5, "\(name) ∂/∂adversarial")
    }

    @Test("TRADES's KL term vanishes when adversarial and natural logits agree")
    func tradesReducesToCE() throws {
        let logits = try Tensor([1, 2, 0.5, -1, 0, 3] as [Double], shape: [2, 3])
        let labels = try Tensor([1, 2] as [Int64])
        let trades = try TrainingLoss.trades(naturalLogits: logits, adversarialLogits: logits, labels: labels, beta: 6)
        expectClose(try trades.doubles(), try F.crossEntropy(logits, target: labels).doubles(), atol: 1e-12)
    }
}
