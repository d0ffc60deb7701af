// WeightAverage.swift: the exponential moving average of a model's weights and BatchNorm buffers
// that `deat train --weight-averaging DECAY` keeps (docs/methods.md §2.9). The loop folds the raw
// weights in once per minibatch, after the method's last optimiser step (after all of DEAT's and
// FREE's replays), and validates and writes best/model.safetensors with the average while training
// goes on with the raw weights; the resumable checkpoint holds both (RunFiles.swift).
//
//   avg = w                                  first update (AveragedModel's n_averaged = 0)
//   avg = decay·avg + (1 − decay)·w          every later one, floating parameters and buffers
//   avg = w                                  always, integer buffers (num_batches_tracked)
import NN
import Torch

final class WeightAverage {
    let decay: Double
    /// The averaged tensors, under the model's state_dict names and in its order.
    let tensors: [(name: String, tensor: Tensor)]

    /// An average shaped like `model` (same dtypes, devices and layout); it holds the model's
    /// current values until the first `update`.
    init(of model: any Module, decay: Double) throws {
        self.decay = decay
        tensors = try withNoGrad { try model.stateDict().map { ($0.name, try $0.tensor.detached().cloned()) } }
    }

    /// Folds the model's current weights in. `first` copies them, as `AveragedModel` does on its
    /// first `update_parameters`, so the average never holds the untrained initialisation.
    func update(from model: any Module, first: Bool = false) throws {
        try withNoGrad {
            for ((_, average), (_, weight)) in zip(tensors, model.stateDict()) {
                // An integer buffer counts (num_batches_tracked); a fractional average of a count means nothing.
                if first || !average.dtype.isFloatingPoint {
                    try average.copy(from: weight)
                } else {
                    try average.multiplyInPlace(decay)
                    try average.addInPlace(weight, alpha: 1 - decay)
                }
            }
        }
    }

    /// Runs `body` with the model holding the averaged weights, then gives it its raw weights back
    /// (bit for bit, also when `body` throws).
    func withAveragedWeights<R>(in model: any Module, _ body: () throws -> R) throws -> R {
        let raw = try withNoGrad { try model.stateDict().map { try $0.tensor.detached().cloned() } }
        try Self.copy(tensors.map(\.tensor), into: model)
        let result = Result { try body() }
        try Self.copy(raw, into: model)
        return try result.get()
    }

    private static func copy(_ values: [Tensor], into model: any Module) throws {
        try withNoGrad {
            for ((_, target), value) in zip(model.stateDict(), values) { try target.copy(from: value) }
        }
    }
}
