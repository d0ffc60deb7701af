// Info.swift: `deat info MODEL.safetensors|MODEL.pt`: what a checkpoint holds (model, metadata,
// tensors, parameter count) and whether it loads into the model it names; for a TorchScript file,
// its parameters and buffers under their state_dict names (docs/architecture.md §14).
import ArgumentParser
import Foundation
import Models
import NN
import SafeTensors
import Torch

struct Info: ParsableCommand {
    static let configuration = CommandConfiguration(
        abstract: "Describe a checkpoint: model, metadata, tensors and parameter count.",
        discussion: "The file is fully validated; if its metadata names a deat model, its keys and shapes are checked against it."
    )

    @Argument(help: "A .safetensors checkpoint, or a TorchScript file (.pt).") var checkpoint: String
    @Flag(help: "List every tensor with its dtype and shape.") var tensors = false

    func run() throws {
        let url = URL(fileURLWithPath: checkpoint)
        if isTorchScriptFile(url) { return try describeTorchScript(url) }
        let file = try Checkpoint.read(url)
        let metadata = CheckpointMetadata(file.metadata)
        let size = (try? FileManager.default.attributesOfItem(atPath: url.path)[.size] as? Int) ?? 0
        print("\(url.lastPathComponent): \(file.entries.count) tensors, \(String(format: "%.1f", Double(size) / 1_048_576)) MiB")
        // A resumable checkpoint (deat train's checkpoint.safetensors) also holds SGD momentum buffers
        // and the training state as a long JSON value: summarised, and not loaded as a bare model.
        let trainingState = "deat_train_state"
        for (key, value) in file.metadata.sorted(by: { $0.key < $1.key }) {
            print("  \(key): \(key == trainingState ? "(\(value.utf8.count) bytes of JSON)" : value)")
        }
        if file.metadata[trainingState] != nil {
            print("resumable training checkpoint\(metadata.model.map { " of \($0)" } ?? ""): continue it with deat train --resume \(url.deletingLastPathComponent().path)")
        } else if let name = metadata.model {
            let kind = try ModelKind(name: name)
            let (model, _, _) = try loadModel(from: url)
            print("model: \(kind), \(model.parameterCount) parameters, loads with every key and shape matching")
        } else {
            // Without a model, count every floating-point tensor except BatchNorm statistics.
            let statistics = ["running_mean", "running_var", "num_batches_tracked"]
            let count = file.entries
                .filter { entry in [.f16, .bf16, .f32, .f64].contains(entry.dtype) && !statistics.contains { entry.name.hasSuffix($0) } }
                .reduce(0) { $0 + ($1.elementCount ?? 0) }
            print("model: not named in the metadata; \(count) floating-point parameters (BatchNorm statistics excluded)")
        }
        if tensors {
            let width = file.entries.map(\.name.count).max() ?? 0
            for entry in file.entries {
                print("  \(entry.name.padding(toLength: width, withPad: " ", startingAt: 0))  \(entry.dtype)  \(entry.shape)")
            }
        }
    }

    private func describeTorchScript(_ url: URL) throws {
        let model = try ScriptedModel(contentsOf: url)
        let size = (try? FileManager.default.attributesOfItem(atPath: url.path)[.size] as? Int) ?? 0
        let entries = model.stateDict()
        print("\(url.lastPathComponent): TorchScript, \(entries.count) tensors, \(String(format: "%.1f", Double(size) / 1_048_576)) MiB")
        let channels = model.firstConvolutionChannels.map { "; its first convolution (\($0.name)) takes \($0.channels) channel(s)" } ?? ""
        print("model: \(model.parameterCount) parameters\(channels)")
        if tensors {
            let width = entries.map(\.name.count).max() ?? 0
            for (name, tensor) in entries {
                print("  \(name.padding(toLength: width, withPad: " ", startingAt: 0))  \(tensor.dtype)  \(tensor.shape)")
            }
        }
    }
}
