// A training method of your own in deat's one training loop: adversarial training whose attack
// takes n signed steps of ε/n from a random start, with n chosen by the M+ rule (0 in epoch 0,
// 1 from epoch 1, then +1 whenever the epoch's input-gradient magnitude exceeds γ × its reference,
// up to 4). The loop does the rest: data, learning rate, M+ bookkeeping, validation, checkpoints
// and an exact resume (docs/methods.md §1.3).
//
//   custom-method [EPOCHS]
import DEAT
import Foundation

struct RandomStepsAT: TrainingMethod {
    let name = "random-steps-at"
    var policy = IterationPolicy.mPlus(.attackSteps(maximum: 4))
    var settings: [String: String] { ["policy": policy.description] }

    func step(images x: Tensor, labels y: Tensor, context c: StepContext) throws -> StepResult {
        let n = policy.count(epoch: c.epoch)
        let eps = c.epsilon
        var delta = try Tensor.uniform(x.shape, low: -eps, high: eps, device: x.device, generator: c.generator)
        var magnitude = try Tensor.zeros([], device: x.device)
        for _ in 0..<n {
            let d = try delta.detached().requiringGrad()
            let g = try grad(of: F.crossEntropy(c.model((x + d).clamped(min: 0, max: 1)), target: y), wrt: d)
            magnitude = try normalizedL1(g, inputScale: c.inputScale)  // what the M+ rule sums
            delta = try (d.detached() + g.sign() * (eps / Double(n))).clamped(min: -eps, max: eps)
        }
        let logits = try c.model((x + delta).clamped(min: 0, max: 1))
        let loss = try F.crossEntropy(logits, target: y, labelSmoothing: c.labelSmoothing)
        try c.optimizer.zeroGrad()
        try loss.backward()
        try c.optimizer.step()
        return try summarize(loss: loss, logits: logits, labels: y, magnitude: magnitude, forward: n + 1, backward: n + 1)
    }
}

var config = TrainingConfig.defaults(method: .mplusPGD, dataset: .fashionMNIST,
                                     epochs: CommandLine.arguments.dropFirst().first.flatMap { Int($0) } ?? 5)
config.trainSubset = 4096
let directory = URL(fileURLWithPath: "runs/example-custom-method")
let data = try loadImageSet(.fashionMNIST, split: .train, directory: URL(fileURLWithPath: DatasetName.fashionMNIST.defaultDirectory ?? "."))
let test = try loadImageSet(.fashionMNIST, split: .test, directory: URL(fileURLWithPath: DatasetName.fashionMNIST.defaultDirectory ?? "."))
let model = try SmallCNN(generator: Generator(seed: 0))
let trainer = try Trainer(
    config: config, model: model, normalization: .fashionMNIST, train: TensorDataset(data), validation: TensorDataset(test),
    directory: directory, method: RandomStepsAT())
try trainer.resumeIfPossible()
try trainer.run { event in
    guard case .epochFinished(let e) = event else { return }
    print(String(format: "epoch %d  n %d  clean %.1f%%  PGD %.1f%%", e.epoch + 1, e.iterations, e.cleanAccuracy * 100, e.robustAccuracy * 100))
}
