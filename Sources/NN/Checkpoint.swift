// Checkpoint.swift: modules ↔ safetensors files with PyTorch state_dict keys, so a deat checkpoint
// loads into the reference PyTorch definition with load_state_dict(strict=True) and back
// (docs/methods.md §4.4, §8; docs/architecture.md §7). Loading is strict: every missing,
// unexpected and wrong-shape key is listed in one error. Writes are atomic (SafeTensors' writer).
import Foundation
import SafeTensors
import Torch

/// Modules to and from safetensors files under PyTorch's `state_dict` keys, so a deat checkpoint
/// loads into the reference PyTorch model with `load_state_dict(strict=True)` and back. Loading is
/// strict (every missing, unexpected or wrong-shape key in one error); writes are atomic.
public enum Checkpoint {
    /// Writes every parameter and buffer of `module` (moved to the CPU) with `metadata`.
    public static func save(_ module: any Module, metadata: CheckpointMetadata, to url: URL) throws {
        try save(module.stateDict(), metadata: metadata.entries, to: url)
    }

    /// Writes named tensors with string metadata (`format: pt` is added). Refuses NaN or infinite
    /// floating-point values, leaving the previous file in place: a diverged step must never replace
    /// the last good checkpoint (the loss the trainer checks is computed before the step).
    public static func save(_ tensors: [(name: String, tensor: Tensor)], metadata: [String: String], to url: URL) throws {
        for (name, tensor) in tensors where tensor.dtype.isFloatingPoint {
            guard try tensor.isFinite().all().item() != 0 else {
                throw NNError("refusing to write \(url.lastPathComponent): tensor \"\(name)\" holds NaN or infinite values (did training diverge?); the previous file is kept")
            }
        }
        let entries = try tensors.map { name, tensor in
            SafeTensorsEntry(name: name, dtype: try SafeTensorsDType(tensor.dtype), shape: tensor.shape, data: Data(try tensor.bytes()))
        }
        try SafeTensorsFile.write(entries, metadata: metadata, to: url)
    }

    /// Reads and validates a checkpoint file without loading it anywhere.
    public static func read(_ url: URL) throws -> SafeTensorsFile {
        try SafeTensorsFile.read(contentsOf: url)
    }

    /// Copies the checkpoint's tensors into `module` (on whatever device it is) and returns the
    /// metadata. Throws, changing nothing, unless the names and shapes match exactly.
    @discardableResult
    public static func load(into module: any Module, from url: URL) throws -> CheckpointMetadata {
        let file = try read(url)
        try load(file, into: module.stateDict(), source: url.lastPathComponent)
        return CheckpointMetadata(file.metadata)
    }

    /// One entry of a safetensors file as a CPU tensor of the same dtype and shape.
    public static func tensor(_ entry: SafeTensorsEntry, source: String) throws -> Tensor {
        let type = try DType(entry.dtype, tensor: entry.name, source: source)
        return try entry.data.withUnsafeBytes { try Tensor(bytes: $0, shape: entry.shape, dtype: type) }
    }

    /// Copies `file`'s tensors into `targets`, strictly (names, shapes, then dtypes checked first).
    public static func load(_ file: SafeTensorsFile, into targets: [(name: String, tensor: Tensor)], source: String) throws {
        try checkNames(expected: targets.map { ($0.name, $0.tensor.shape) }, in: file, source: source)
        let values = try targets.map { name, target in
            let entry = file[name]!  // present: checkNames passed
            let type = try DType(entry.dtype, tensor: name, source: source)
            guard type == target.dtype || (type.isFloatingPoint && target.dtype.isFloatingPoint) else {
                throw NNError("\(source): tensor \"\(name)\" is \(entry.dtype) but the model holds \(target.dtype)")
            }
            return try tensor(entry, source: source)
        }
        // Only after every tensor was read and checked: a failed load leaves the module untouched.
        try withNoGrad {
            for ((_, target), value) in zip(targets, values) { try target.copy(from: value) }
        }
    }
}

extension SafeTensorsDType {
    init(_ dtype: DType) throws {
        switch dtype {
        case .uint8: self = .u8
        case .int8: self = .i8
        case .int16: self = .i16
        case .int32: self = .i32
        case .int64: self = .i64
        case .float16: self = .f16
        case .bfloat16: self = .bf16
        case .float32: self = .f32
        case .float64: self = .f64
        case .bool: self = .bool
        }
    }
}

extension DType {
    init(_ type: SafeTensorsDType, tensor name: String, source: String) throws {
        switch type {
        case .u8: self = .uint8
        case .i8: self = .int8
        case .i16: self = .int16
        case .i32: self = .int32
        case .i64: self = .int64
        case .f16: self = .float16
        case .bf16: self = .bfloat16
        case .f32: self = .float32
        case .f64: self = .float64
        case .bool: self = .bool
        case .u16, .u32, .u64:
            throw NNError("\(source): tensor \"\(name)\" has dtype \(type), which libtorch 1.13 cannot hold")
        }
    }
}
