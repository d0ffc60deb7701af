// FGSMRS.swift: FGSM with random start ("Fast is better than free", Wong, Rice & Kolter 2020;
// locuslab/fast_adversarial train_fgsm.py): one signed step of α = 1.25ε from a uniform start, then
// one weight update on the perturbed batch. Two forward and two backward passes per minibatch.
//
//   δ ~ U(−ε, ε); δ = clipBox(δ, x)
//   g = ∇_δ CE(f(x + δ), y)
//   δ = clipBox(clipEps(δ + α·sign(g)), x)
//   SGD step on CE(f(x + δ), y)
import NN
import Torch

struct FGSMRS: TrainingMethod {
    let name = "fgsm-rs"
    var policy: IterationPolicy = .fixed(1)
    let stepSize: Double

    /// `stepSize` defaults to the paper's α = 1.25·ε.
    init(epsilon: Double, stepSize: Double? = nil) {
        self.stepSize = stepSize ?? 1.25 * epsilon
    }

    var settings: [String: String] { ["alpha": "\(stepSize)", "start": "uniform(-eps, eps)"] }

    func step(images x: Tensor, labels y: Tensor, context c: StepContext) throws -> StepResult {
        let box = try Box(around: x)
        let start = try box.clip(initialPerturbation(.uniform, like: x, radius: c.epsilon, generator: c.generator)).requiringGrad()
        let attackLoss = try F.crossEntropy(c.model(x + start), target: y)
        let g = try grad(of: attackLoss, wrt: start)
        let delta = try ascend(start, gradient: g, stepSize: stepSize, epsilon: c.epsilon, box: box)
        return try trainOnPerturbation(delta, attackGradient: g, source: .lastAttackStep, labels: y, context: c, passes: (2, 2)) { d in
            try PGDObjective().trainingLoss(model: c.model, images: x, labels: y, delta: d, labelSmoothing: c.labelSmoothing)
        }
    }
}
