// AdversarialFile.swift: what `deat eval --save-adversarial FILE.safetensors` writes (docs/attacks.md
// §10.6): the final input of every evaluated point, with its label, its index in the test split,
// the attack that broke it and the model's eval-mode prediction on that very image, so a reload
// reproduces the recorded predictions, and the clean images as bytes. Admissibility is checked once
// more before anything is written.
import Attacks
import Foundation
import NN
import Torch

/// What `deat eval --save-adversarial FILE.safetensors` writes and reads: each evaluated point's
/// final input, label, test index, the attack that broke it and the model's prediction on that image.
public enum AdversarialFile {
    /// Writes the file atomically and returns the predictions it recorded. `brokenBy[i]` indexes
    /// `attackNames` (−1: no attack broke point i); `first` is the test index of row 0.
    @discardableResult
    public static func write(
        images: Tensor, clean: Tensor, labels: Tensor, brokenBy: [Int], attackNames: [String], model: any Layer, norm: ThreatNorm,
        epsilon: Double, batchSize: Int, metadata: [String: String], to url: URL
    ) throws -> [Int] {
        let n = images.shape[0]
        let ok = try admissible(images, clean: clean, norm: norm, epsilon: epsilon)
        guard try ok.all().item() != 0 else {
            throw EvaluationError("refusing to write \(url.path): \(try ok.logicalNot().sum().item()) images leave the ε-ball or [0, 1], an attack bug; nothing was saved")
        }
        let predictions = try model.withMode(.eval) {
            try withNoGrad {
                try Tensor.cat(
                    stride(from: 0, to: n, by: max(batchSize, 1)).map { start in
                        try model(images.narrowed(dim: 0, start: start, length: min(batchSize, n - start))).argmax(dim: 1)
                    })
            }
        }
        let names = String(decoding: try JSONEncoder().encode(attackNames), as: UTF8.self)
        var entries = metadata
        entries["attacks"] = names
        entries["broken_by"] = "index into attacks of the attack that broke the point; -1: none did (robust, or already misclassified clean)"
        try Checkpoint.save(
            [
                ("images", images.to(device: .cpu, dtype: .float32)), ("labels", labels.to(device: .cpu, dtype: .int64)),
                ("indices", Tensor.arange(0, n).to(dtype: .int64)), ("broken_by", Tensor(brokenBy.map(Int64.init), shape: [n])),
                ("predictions", predictions.to(device: .cpu, dtype: .int64)),
                // The test images are bytes k/255, so uint8 keeps them exactly at a quarter of the size;
                // the report draws clean, adversarial and perturbation side by side from them.
                ("clean_images", (clean * 255).rounded().to(device: .cpu, dtype: .uint8)),
            ], metadata: entries, to: url)
        return try predictions.ints()
    }
}
