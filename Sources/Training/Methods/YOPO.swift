// YOPO.swift: "You Only Propagate Once" (Zhang et al., NeurIPS 2019), YOPO-m-n as the DEAT
// repository's `standard training/YOPO` runs it for Table 1 (FastGradientLayerOneTrainer and
// train_one_epoch; docs/methods.md §2.12): K = 5 full passes, each followed by σ = 3 inner steps
// through the first layer only, against the co-state p = −∂L/∂h taken at the first layer's output h.
//
//   δ = clipBox(U(−ε, ε)); zero every weight gradient
//   repeat K times:
//       h = f₁(x + δ); L = CE(f_rest(h)); backward (accumulates every weight's gradient); g = ∂L/∂h
//       repeat σ times: δ = clipBox(clipEps(δ + α·sign(∇_δ Σ f₁(clip01(x + δ))·g)))
//       backward of Σ f₁(clip01(x + δ))·g (accumulates the first layer's gradient: −H of the reference)
//   one SGD step on the gradients summed over the K passes
//
// Accounting: the K full passes are what StepResult counts (K forward, K backward). The K·(σ + 1)
// forwards and backwards through the first layer alone (a single convolution, under 1% of a
// PreActResNet-18 pass) are fractions of a pass that the integer counts round down to zero; the
// settings record σ so that the log says what ran.
import NN
import Torch

struct YOPO: TrainingMethod {
    let name = "yopo"
    /// K, the full forward/backward passes per minibatch (the reference's `K = 5`).
    var policy: IterationPolicy
    /// α of each inner step (`sigma = 2/255`).
    let stepSize: Double
    /// σ, the inner steps through the first layer after each full pass (`inner_iters = 3`).
    let innerSteps: Int

    /// YOPO-5-3's inner iterations (config.py `inner_iters = 3`).
    static let referenceInnerSteps = 3

    var settings: [String: String] {
        ["policy": policy.description, "step_size": "\(stepSize)", "inner_steps": "\(innerSteps)", "start": PerturbationStart.uniform.rawValue]
    }

    func step(images x: Tensor, labels y: Tensor, context c: StepContext) throws -> StepResult {
        let start = try initialPerturbation(.uniform, like: x, radius: c.epsilon, generator: c.generator)
        return try step(images: x, labels: y, start: start, context: c)
    }

    /// `model` split at its first layer, or the one-line refusal (TorchScript and other models).
    static func split(_ model: any Layer) throws -> any SplitAtFirstLayer {
        guard let split = model as? any SplitAtFirstLayer else {
            throw TrainingError(
                "yopo needs a model that exposes its first layer (small-cnn, preact-resnet18, wide-resnet, resnet18/50); \(type(of: model)) does not")
        }
        return split
    }

    /// The step from a given δ (clipped to the box here), for the fixture test.
    func step(images x: Tensor, labels y: Tensor, start: Tensor, context c: StepContext) throws -> StepResult {
        let model = try Self.split(c.model)
        let passes = max(policy.count(epoch: c.epoch), 1)
        let box = try Box(around: x)
        var delta = try box.clip(start)
        var last: (loss: Tensor, logits: Tensor, inputGradient: Tensor?)?
        try c.optimizer.zeroGrad()
        for _ in 0..<passes {
            // The full pass, cut at the first layer's output so that its gradient g = ∂L/∂h comes out
            // with the weights' (the reference's `layer_one_out.retain_grad()`).
            let h = try model.firstLayer(x + delta)
            let cut = try h.detached().requiringGrad()
            let logits = try model.rest(cut)
            let loss = try F.crossEntropy(logits, target: y, labelSmoothing: c.labelSmoothing)
            try loss.backward()
            let g = try cut.grad ?? cut.zerosLike()
            try h.backward(gradient: g)
            var inputGradient: Tensor?
            for _ in 0..<innerSteps {
                let d = try delta.detached().requiringGrad()
                let linearized = try (model.firstLayer((x + d).clamped(min: 0, max: 1)) * g).sum()
                let gradient = try grad(of: linearized, wrt: d)
                // At the full pass's δ this is ∂L/∂x there, the magnitude reported below.
                if inputGradient == nil { inputGradient = gradient }
                delta = try ascend(d, gradient: gradient, stepSize: stepSize, epsilon: c.epsilon, box: box)
            }
            // −H at the new δ: its backward adds Σ ∂f₁/∂w · g to the first layer's gradient.
            try (model.firstLayer((x + delta).clamped(min: 0, max: 1)) * g).sum().backward()
            last = (loss, logits, inputGradient)
        }
        try c.optimizer.step()
        let (loss, logits, inputGradient) = last!
        return try summarize(
            loss: loss, logits: logits, labels: y, magnitude: inputGradient.map { try normalizedL1($0, inputScale: c.inputScale) },
            forward: passes, backward: passes)
    }
}
