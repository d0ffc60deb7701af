// TrainingMethod.swift: what a method supplies to the one training loop (Trainer.swift): the work
// on one minibatch (attack, weight update(s)) and its accounting. Methods never loop over data,
// never log and never checkpoint: the loop does that once for all of them.
import NN
import Torch

/// Everything a method may use for one minibatch.
public struct StepContext {
    /// The model, in train mode.
    public let model: any Layer
    /// The optimiser; a method calls `zeroGrad` and `step` itself, once per weight update.
    public let optimizer: SGD
    /// σ per channel, shape [1, C, 1, 1]: ∂L/∂x̃ = ∂L/∂x · σ for the model's internal normalisation.
    public let inputScale: Tensor
    /// L∞ radius in [0, 1] pixel units.
    public let epsilon: Double
    /// 0-based epoch, for iteration policies.
    public let epoch: Int
    /// Randomness for this minibatch only (δ initialisation), derived from (seed, epoch, batch), so a
    /// resumed run draws the same numbers without saving generator state.
    public let generator: Generator
    /// Label smoothing of the training loss's cross-entropy, in [0, 1); attack losses never use it
    /// (docs/methods.md §2.9). Passed here so that no method stores a setting of its own for it.
    public let labelSmoothing: Double
    /// The perturbation carried across minibatches, for the replay methods that carry it
    /// (`TrainingConfig.carryPerturbation`, CarriedPerturbation.swift); nil otherwise.
    public let carried: CarriedPerturbation?

    /// Everything a step may use; the ``Trainer`` builds one per minibatch.
    public init(
        model: any Layer, optimizer: SGD, inputScale: Tensor, epsilon: Double, epoch: Int, generator: Generator, labelSmoothing: Double = 0,
        carried: CarriedPerturbation? = nil
    ) {
        self.carried = carried
        self.model = model
        self.optimizer = optimizer
        self.inputScale = inputScale
        self.epsilon = epsilon
        self.epoch = epoch
        self.generator = generator
        self.labelSmoothing = labelSmoothing
    }
}

/// What one minibatch did.
public struct StepResult: Sendable {
    /// Training loss of the (last) weight update, mean over the batch.
    public var loss: Double
    /// Correct predictions in the forward pass that produced `loss`.
    public var correct: Int
    /// Examples in the minibatch.
    public var examples: Int
    /// Forward passes through the model on this minibatch (an attack step counts one).
    public var forwardPasses: Int
    /// Backward passes on this minibatch: the cost the paper compares methods by.
    public var backwardPasses: Int
    /// ‖∂L/∂x̃‖₁ for the M+ rule (its definition depends on the method, see each method).
    public var gradientMagnitude: Double

    /// A step's result from values already on the host;
    /// ``summarize(loss:logits:labels:magnitude:forward:backward:)`` builds one from tensors.
    public init(loss: Double, correct: Int, examples: Int, forwardPasses: Int, backwardPasses: Int, gradientMagnitude: Double) {
        (self.loss, self.correct, self.examples) = (loss, correct, examples)
        (self.forwardPasses, self.backwardPasses, self.gradientMagnitude) = (forwardPasses, backwardPasses, gradientMagnitude)
    }
}

/// An adversarial (or standard) training method: one file per method in Methods/.
public protocol TrainingMethod {
    /// The CLI name, e.g. "mplus-deat".
    var name: String { get }
    /// Replays or attack steps per epoch; the loop feeds it magnitudes and ends its epochs.
    var policy: IterationPolicy { get set }
    /// Settings for the log and the checkpoint.
    var settings: [String: String] { get }
    /// Trains on one minibatch (`images` in [0, 1], `labels` int64) with the model in train mode.
    func step(images: Tensor, labels: Tensor, context: StepContext) throws -> StepResult
}

/// A step's result from its training loss, logits and M+ magnitude, read with one device→host copy
/// (so a method never stalls the device more than once per minibatch).
public func summarize(
        loss: Tensor, logits: Tensor, labels: Tensor, magnitude: Tensor?, forward: Int, backward: Int
) throws -> StepResult {
    let correct = try logits.detached().argmax(dim: 1).eq(labels).sum(dtype: .float32)
    let m = try magnitude?.to(dtype: .float32) ?? Tensor.zeros([], device: loss.device)
    let values = try Tensor.stack([loss.detached().to(dtype: .float32), correct, m]).floats()
    return StepResult(
        loss: Double(values[0]), correct: Int(values[1]), examples: labels.shape[0], forwardPasses: forward,
        backwardPasses: backward, gradientMagnitude: Double(values[2]))
}
