// CarriedPerturbation.swift: the perturbation FREE's and the DEAT ImageNet scripts carry from one
// minibatch to the next (`global_noise_data`, docs/methods.md §2.11): one tensor of the training
// batch's full shape, zero when training starts, whose first B rows are the δ of a minibatch of B
// images and are written back after its replays. It is training state: the checkpoint keeps it
// (`carried_perturbation`), so a resumed run continues with the same noise.
import Torch

/// The perturbation FREE and the DEAT ImageNet scripts carry from one minibatch to the next
/// (`global_noise_data`); training state, kept in the checkpoint so a resumed run continues with it.
public final class CarriedPerturbation {
    /// [batch size, C, H, W]; nil until the first minibatch gives the image shape.
    public private(set) var buffer: Tensor?
    let batchSize: Int

    public init(batchSize: Int) { self.batchSize = batchSize }

    /// The checkpoint key.
    static let key = "carried_perturbation"

    /// δ for a minibatch `x` of B ≤ batch size images: the buffer's first B rows.
    func rows(for x: Tensor) throws -> Tensor {
        if buffer == nil { buffer = try Tensor.zeros([max(batchSize, x.shape[0])] + x.shape.dropFirst(), device: x.device) }
        guard let buffer, Array(buffer.shape.dropFirst()) == Array(x.shape.dropFirst()) else {
            throw TrainingError("the carried perturbation has shape \(buffer?.shape ?? []) but a minibatch has \(x.shape)")
        }
        return try buffer.slice(dim: 0, 0..<x.shape[0])
    }

    /// Writes a minibatch's δ back into the buffer's first rows.
    func store(_ delta: Tensor) throws {
        guard let buffer else { return }
        let n = delta.shape[0]
        self.buffer = n == buffer.shape[0] ? try delta.detached() : try Tensor.cat([delta.detached(), buffer.slice(dim: 0, n..<buffer.shape[0])], dim: 0)
    }

    /// Restores the buffer from a checkpoint.
    func restore(_ saved: Tensor) { buffer = saved }
}
