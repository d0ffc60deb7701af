// Predict.swift: `deat predict MODEL --input X --output Y`: a checkpoint's eval-mode logits for a
// batch of images, written as safetensors. It is how a model trained on one device is checked on
// another (a checkpoint trained on the GPU must give the same logits on the CPU), and how deat's
// outputs are compared with PyTorch's (scripts/interop/check_model.py forward does the same there).
import ArgumentParser
import Foundation
import Models
import NN
import SafeTensors
import Storage
import Torch

struct Predict: ParsableCommand {
    static let configuration = CommandConfiguration(
        abstract: "Write a checkpoint's eval-mode logits for images read from a safetensors file.",
        discussion: """
            The input holds one [N, C, H, W] tensor of images in [0, 1] (float) or 0…255 (uint8); name it with --tensor \
            when the file holds several. The output holds "logits", float32 [N, classes], computed in float32 in batches.
            """)

    @Argument(help: "A model checkpoint (.safetensors with deat's metadata) or a TorchScript file (.pt).") var model: String
    @Option(help: "Safetensors file holding the images.") var input: String
    @Option(help: "Name of the image tensor in --input (default: its only tensor, or \"x\").") var tensor: String?
    @Option(help: "Where to write the logits (.safetensors).") var output: String
    @Option(help: "Images per forward pass.") var batchSize: Int = 256
    @OptionGroup var runtime: RuntimeOptions

    func validate() throws {
        guard batchSize >= 1 else { throw ValidationError("--batch-size must be at least 1") }
    }

    func run() throws {
        let device = try runtime.apply()
        try OutputDirectory.prepare(parentOf: URL(fileURLWithPath: output))  // before the work, not after it
        let (network, kind, _) = try loadModel(from: URL(fileURLWithPath: model), device: device)
        let images = try readImages()
        // The first tensor of every deat model is its first convolution's weight, [out, C, k, k]; a
        // TorchScript model's first 4-D parameter is, for every ordinary CNN.
        let channels = try (network as? ScriptedModel).map { $0.firstConvolutionChannels?.channels } ?? network.stateDict()[0].tensor.shape[1]
        guard images.shape.count == 4, channels.map({ images.shape[1] == $0 }) ?? true else {
            throw CLIError("\(input): images of shape \(images.shape) do not fit \(kind), which takes [N, \(channels ?? 0), H, W]")
        }
        if let side = kind.requiredImageSide, images.shape[2] != side || images.shape[3] != side {
            throw CLIError("\(input): images of shape \(images.shape) do not fit \(kind), which takes \(side)×\(side) images")
        }
        network.train(false)
        var parts: [Tensor] = []
        try withNoGrad {
            for start in stride(from: 0, to: images.shape[0], by: batchSize) {
                let end = min(start + batchSize, images.shape[0])
                let batch = try images.slice(dim: 0, start..<end).to(device: device)
                parts.append(try network(batch).to(device: .cpu, dtype: .float32))
            }
        }
        let logits = parts.isEmpty ? try Tensor.zeros([0, 0]) : try Tensor.cat(parts, dim: 0)
        try Checkpoint.save([("logits", logits)], metadata: ["model": "\(kind)", "device": device.description], to: URL(fileURLWithPath: output))
        print("\(kind) on \(device): logits \(logits.shape) → \(output)")
    }

    /// The image tensor as float32 in [0, 1] on the CPU.
    func readImages() throws -> Tensor {
        let file = try SafeTensorsFile.read(contentsOf: URL(fileURLWithPath: input))
        let name = tensor ?? (file.entries.count == 1 ? file.entries[0].name : "x")
        guard let entry = file[name] else {
            throw CLIError("\(input): no tensor \"\(name)\" (it holds \(file.names.joined(separator: ", "))); choose one with --tensor")
        }
        let raw = try Checkpoint.tensor(entry, source: input)
        if raw.dtype == .uint8 { return try raw.to(dtype: .float32) / 255 }
        guard raw.dtype.isFloatingPoint else { throw CLIError("\(input): tensor \"\(name)\" is \(entry.dtype); expected float images in [0, 1] or uint8") }
        let images = try raw.to(dtype: .float32)
        let inRange = try images.shape.contains(0) || (images.min().item() >= 0 && images.max().item() <= 1)
        guard inRange else {
            throw CLIError("\(input): tensor \"\(name)\" has values outside [0, 1]; deat models take images in [0, 1] (they normalise inside)")
        }
        return images
    }
}
