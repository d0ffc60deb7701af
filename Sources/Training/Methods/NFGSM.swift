// NFGSM.swift: N-FGSM ("Make Some Noise", de Jorge et al., NeurIPS 2022; pdejorge/N-FGSM train.py):
// FGSM from a large noise start, with no projection back to the ε-ball. The noise, k·ε with k = 2,
// is what keeps single-step training from catastrophic overfitting; the step α = ε. Two forward and
// two backward passes per minibatch, as FGSM-RS.
//
//   η ~ U(−kε, kε); η = clipBox(η, x)
//   g = ∇_η CE(f(x + η), y)
//   δ = clipBox(η + α·sign(g), x)           # ‖δ‖∞ ≤ (k + 1)·ε by design; train.py's --clip is off
//   SGD step on CE(f(x + δ), y)
//
// The reference draws the noise per channel in normalised units ((k·ε/255)/σ_c); deat draws it in
// pixels, the same ball (docs/methods.md §2.8).
import NN
import Torch

struct NFGSM: TrainingMethod {
    let name = "nfgsm"
    var policy: IterationPolicy = .fixed(1)
    let stepSize: Double
    /// k: the noise is uniform on [−kε, kε].
    let noiseScale: Double

    var settings: [String: String] { ["alpha": "\(stepSize)", "start": "uniform(-\(noiseScale)*eps, \(noiseScale)*eps)", "projection": "none"] }

    /// The training perturbation from noise `eta` (already in the box), and the attack gradient.
    static func perturbation(model: any Layer, images x: Tensor, labels y: Tensor, noise eta: Tensor, stepSize: Double, box: Box)
        throws -> (delta: Tensor, gradient: Tensor)
    {
        let start = try eta.detached().requiringGrad()
        let g = try grad(of: F.crossEntropy(model(x + start), target: y), wrt: start)
        return (try start.detached().signStep(g, stepSize: stepSize, low: box.low, high: box.high), g)
    }

    func step(images x: Tensor, labels y: Tensor, context c: StepContext) throws -> StepResult {
        let box = try Box(around: x)
        let eta = try box.clip(initialPerturbation(.uniform, like: x, radius: noiseScale * c.epsilon, generator: c.generator))
        let (delta, g) = try Self.perturbation(model: c.model, images: x, labels: y, noise: eta, stepSize: stepSize, box: box)
        return try trainOnPerturbation(delta, attackGradient: g, source: .lastAttackStep, labels: y, context: c, passes: (2, 2)) { d in
            try PGDObjective().trainingLoss(model: c.model, images: x, labels: y, delta: d, labelSmoothing: c.labelSmoothing)
        }
    }
}
