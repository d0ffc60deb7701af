// RunFiles.swift: a training run's directory.
//
//   checkpoint.safetensors  everything needed to resume: model tensors, SGD momentum buffers
//                           (`optimizer.momentum_buffer.<parameter>`), with --weight-averaging the
//                           averaged weights (`weight_average.<key>`), and the TrainState as JSON
//                           in the metadata — one file, written atomically, so it is never half-new
//   model.safetensors       the model after the last finished epoch (PyTorch-loadable; the averaged
//                           weights with --weight-averaging, docs/methods.md §2.9)
//   best.safetensors        the model with the best validation robust accuracy (the paper's selection)
//   log.jsonl               one EpochRecord per line, rewritten atomically after each epoch
//   epoch-N.safetensors     the model after epoch N (1-based), with `keepEpochs` only
import Foundation
import NN
import SafeTensors
import Storage
import Torch

/// The files of a training run's directory: the resumable checkpoint, the model files (last, best,
/// epoch-N, and their TorchScript copies) and the log.
public struct RunFiles: Sendable {
    /// The run directory.
    public let directory: URL
    /// `checkpoint.safetensors`: everything a resume needs, written atomically.
    public var checkpoint: URL { directory.appendingPathComponent("checkpoint.safetensors") }
    /// `model.safetensors`: the model after the last finished epoch.
    public var model: URL { directory.appendingPathComponent("model.safetensors") }
    /// `best.safetensors`: the model of the epoch with the best validation robust accuracy.
    public var best: URL { directory.appendingPathComponent("best.safetensors") }
    /// `log.jsonl`: one ``EpochRecord`` per line.
    public var log: URL { directory.appendingPathComponent("log.jsonl") }
    /// A TorchScript run's starting model, as loaded: the architecture its checkpoints name
    /// (`torchscript:initial.pt`) and a resume rebuilds, whatever became of the user's file.
    public var initialScript: URL { directory.appendingPathComponent(Self.initialScriptName) }
    static let initialScriptName = "initial.pt"
    /// The TorchScript files beside model/best.safetensors, which `torch.jit.load` reads directly.
    public var modelScript: URL { directory.appendingPathComponent("model.pt") }
    /// `best.pt`: the best model as TorchScript, for a run of a TorchScript model.
    public var bestScript: URL { directory.appendingPathComponent("best.pt") }
    /// The model after epoch `n` (1-based), kept when the config says `keepEpochs`.
    public func epochModel(_ n: Int) -> URL { directory.appendingPathComponent("epoch-\(n).safetensors") }
    static let stateKey = "deat_train_state"
    static let bufferPrefix = "optimizer.momentum_buffer."
    static let averagePrefix = "weight_average."

    /// Creates the directory if needed and checks that it is writable.
    public init(directory: URL) throws {
        self.directory = directory
        try OutputDirectory.prepare(directory)
    }

    /// Temp files a killed write left behind; they never replaced a real file, so they can go.
    public func removeLeftoverTemporaries() -> [String] {
        let names = (try? FileManager.default.contentsOfDirectory(atPath: directory.path)) ?? []
        let leftovers = names.filter(AtomicFile.isLeftoverTemporary)
        for name in leftovers { try? FileManager.default.removeItem(at: directory.appendingPathComponent(name)) }
        return leftovers
    }

    func saveCheckpoint(
        _ state: TrainState, model: any Module, optimizer: SGD, average: WeightAverage?, carried: CarriedPerturbation? = nil,
        metadata: CheckpointMetadata
    ) throws {
        let names = model.namedParameters().map(\.name)
        var tensors = model.stateDict() + Self.averaged(average)
        if let buffer = carried?.buffer { tensors.append((CarriedPerturbation.key, buffer)) }
        for (name, buffer) in zip(names, optimizer.momentumBuffers) {
            if let buffer { tensors.append((Self.bufferPrefix + name, buffer)) }
        }
        var entries = metadata.entries
        entries[Self.stateKey] = String(decoding: try JSONEncoder().encode(state), as: UTF8.self)
        try Checkpoint.save(tensors, metadata: entries, to: checkpoint)
    }

    /// The averaged weights under their checkpoint keys (none without weight averaging).
    private static func averaged(_ average: WeightAverage?) -> [(name: String, tensor: Tensor)] {
        average?.tensors.map { (averagePrefix + $0.name, $0.tensor) } ?? []
    }

    /// The saved state after loading tensors into `model`, `optimizer` and `average`; nil when
    /// there is no checkpoint.
    func loadCheckpoint(model: any Module, optimizer: SGD, average: WeightAverage?, carried: CarriedPerturbation? = nil) throws -> TrainState? {
        guard FileManager.default.fileExists(atPath: checkpoint.path) else { return nil }
        let file = try Checkpoint.read(checkpoint)
        let state = try readState(file)
        let names = model.namedParameters().map(\.name)
        let parameters = model.parameters()
        // Momentum buffers exist only for parameters that have been stepped; build targets for those present.
        var targets = model.stateDict() + Self.averaged(average)
        var buffers: [Tensor?] = []
        for (name, parameter) in zip(names, parameters) {
            if file[Self.bufferPrefix + name] != nil {
                let buffer = try parameter.detached().zerosLike()
                targets.append((Self.bufferPrefix + name, buffer))
                buffers.append(buffer)
            } else {
                buffers.append(nil)
            }
        }
        // The carried δ is the one entry whose shape only the data gives; it comes back as saved.
        let carriedEntry = file[CarriedPerturbation.key]
        if carriedEntry != nil, carried == nil {
            throw TrainingError("\(checkpoint.lastPathComponent) holds a carried perturbation but the run does not carry one")
        }
        let device = model.parameters().first?.device ?? .cpu
        if let carriedEntry, carried != nil {
            let saved = try Checkpoint.tensor(carriedEntry, source: checkpoint.lastPathComponent).to(device: device)
            targets.append((CarriedPerturbation.key, saved))
        }
        try Checkpoint.load(file, into: targets, source: checkpoint.lastPathComponent)
        if let entry = targets.last, entry.name == CarriedPerturbation.key { carried?.restore(entry.tensor) }
        try optimizer.restore(momentumBuffers: buffers)
        // The checkpoint's records are the log: a kill between the checkpoint's rename and the
        // log's left log.jsonl an epoch short, and a finished run would never rewrite it.
        let text = try logText(state.records)
        if !state.records.isEmpty, (try? Data(contentsOf: log)) != text { try AtomicFile.write(text, to: log) }
        return state
    }

    /// The configuration of the run saved in `directory`, for `--resume`.
    public static func savedConfig(in directory: URL) throws -> TrainingConfig {
        let files = try RunFiles(directory: directory)
        guard FileManager.default.fileExists(atPath: files.checkpoint.path) else {
            throw TrainingError("\(files.checkpoint.path) does not exist: nothing to resume (start a run with --out \(directory.path))")
        }
        return try files.readState(Checkpoint.read(files.checkpoint)).config
    }

    func readState(_ file: SafeTensorsFile) throws -> TrainState {
        guard let json = file.metadata[Self.stateKey] else {
            throw TrainingError("\(checkpoint.lastPathComponent) has no training state: it is a model file, not a resumable checkpoint")
        }
        do {
            return try JSONDecoder().decode(TrainState.self, from: Data(json.utf8))
        } catch {
            throw TrainingError("\(checkpoint.lastPathComponent): the training state is unreadable (\(error))")
        }
    }

    func writeLog(_ records: [EpochRecord]) throws {
        try AtomicFile.write(logText(records), to: log)
    }

    /// log.jsonl's bytes: one record per line, keys sorted.
    func logText(_ records: [EpochRecord]) throws -> Data {
        let encoder = JSONEncoder()
        encoder.outputFormatting = [.sortedKeys]
        var text = Data()
        for record in records {
            text.append(try encoder.encode(record))
            text.append(0x0A)
        }
        return text
    }
}
