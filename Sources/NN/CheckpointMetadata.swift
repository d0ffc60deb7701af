// CheckpointMetadata.swift: what a deat checkpoint says about itself, stored as safetensors
// `__metadata__` strings (docs/methods.md §8): model, dataset, normalisation, method, ε, epoch,
// deat version. Unknown keys are kept, so files from other tools round-trip.
import Foundation
import Torch

/// What a deat checkpoint says about itself, as safetensors `__metadata__` strings: model, dataset,
/// normalisation, method, ε, epoch, deat version. Unknown keys are kept, so other tools' files round-trip.
public struct CheckpointMetadata: Sendable, Equatable {
    /// Model name as deat's CLI spells it, e.g. "preact-resnet18".
    public var model: String?
    public var classes: Int?
    public var dataset: String?
    /// Per-channel normalisation applied inside the model (no tensor key holds it).
    public var normalizeMean: [Float]?
    public var normalizeStd: [Float]?
    public var method: String?
    /// L∞ radius in [0, 1] pixel units.
    public var epsilon: Double?
    public var epoch: Int?
    public var deatVersion: String?
    /// Every other key, kept as is.
    public var extra: [String: String]

    public init(
        model: String? = nil, classes: Int? = nil, dataset: String? = nil, normalizeMean: [Float]? = nil,
        normalizeStd: [Float]? = nil, method: String? = nil, epsilon: Double? = nil, epoch: Int? = nil,
        deatVersion: String? = Runtime.deatVersion, extra: [String: String] = [:]
    ) {
        self.model = model
        self.classes = classes
        self.dataset = dataset
        self.normalizeMean = normalizeMean
        self.normalizeStd = normalizeStd
        self.method = method
        self.epsilon = epsilon
        self.epoch = epoch
        self.deatVersion = deatVersion
        self.extra = extra
    }

    static let knownKeys: Set<String> = [
        "model", "classes", "dataset", "normalize_mean", "normalize_std", "method", "epsilon", "epoch", "deat_version", "format",
    ]

    /// Parses the string map; malformed numbers are left out (and kept in `extra`).
    public init(_ map: [String: String]) {
        func floats(_ key: String) -> [Float]? {
            guard let text = map[key] else { return nil }
            let values = text.split(separator: ",").map { Float($0.trimmingCharacters(in: .whitespaces)) }
            return values.contains(nil) || values.isEmpty ? nil : values.map { $0! }
        }
        model = map["model"]
        classes = map["classes"].flatMap { Int($0) }
        dataset = map["dataset"]
        normalizeMean = floats("normalize_mean")
        normalizeStd = floats("normalize_std")
        method = map["method"]
        epsilon = map["epsilon"].flatMap { Double($0) }
        epoch = map["epoch"].flatMap { Int($0) }
        deatVersion = map["deat_version"]
        extra = map.filter { !Self.knownKeys.contains($0.key) }
    }

    /// The string map written to the file.
    public var entries: [String: String] {
        var map = extra
        func put(_ key: String, _ value: String?) { if let value { map[key] = value } }
        put("model", model)
        put("classes", classes.map(String.init))
        put("dataset", dataset)
        put("normalize_mean", normalizeMean.map { $0.map { "\($0)" }.joined(separator: ",") })
        put("normalize_std", normalizeStd.map { $0.map { "\($0)" }.joined(separator: ",") })
        put("method", method)
        put("epsilon", epsilon.map { "\($0)" })
        put("epoch", epoch.map(String.init))
        put("deat_version", deatVersion)
        return map
    }
}
