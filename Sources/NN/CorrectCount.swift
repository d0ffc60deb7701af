// CorrectCount.swift: accuracy on unperturbed images, in eval mode and without recording gradients.
import Torch

/// Number of `images` whose argmax logit equals the label, evaluated in batches of `batchSize`.
public func correctCount(model: any Layer, images: Tensor, labels: Tensor, batchSize: Int = 500) throws -> Int {
    try model.withMode(.eval) {
        try withNoGrad {
            var correct = 0
            var start = 0
            let n = images.shape[0]
            while start < n {
                let length = min(batchSize, n - start)
                let x = try images.narrowed(dim: 0, start: start, length: length)
                let y = try labels.narrowed(dim: 0, start: start, length: length)
                correct += Int(try model(x).argmax(dim: 1).eq(y).sum().item())
                start += length
            }
            return correct
        }
    }
}
