// Standard.swift: clean training (no attack), the baseline every robustness number is read against.
// Its magnitude is ‖∂L/∂x̃‖₁ of the training loss, logged like every other method's.
import NN
import Torch

struct Standard: TrainingMethod {
    let name = "standard"
    var policy: IterationPolicy = .fixed(0)

    var settings: [String: String] { [:] }

    func step(images x: Tensor, labels y: Tensor, context c: StepContext) throws -> StepResult {
        let input = try x.detached().requiringGrad()
        let logits = try c.model(input)
        let loss = try F.crossEntropy(logits, target: y, labelSmoothing: c.labelSmoothing)
        try c.optimizer.zeroGrad()
        try loss.backward()
        try c.optimizer.step()
        let g = try input.grad ?? input.zerosLike()
        return try summarize(
            loss: loss, logits: logits, labels: y, magnitude: normalizedL1(g, inputScale: c.inputScale), forward: 1, backward: 1)
    }
}
