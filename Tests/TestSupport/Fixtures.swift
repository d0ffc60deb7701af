// Fixtures.swift: reads the JSON oracles written by scripts/fixtures/*.py (PyTorch, float64 lists).
import Foundation
import Torch

/// One tensor of a fixture, as PyTorch produced it.
public struct FixtureTensor: Decodable, Sendable {
    public let shape: [Int]
    public let dtype: String
    public let values: [Double]

    /// The tensor rebuilt in deat with its original dtype (float32, int64 or float64).
    public func tensor() throws -> Tensor {
        switch dtype {
        case "int64": try Tensor(values.map { Int64($0) }, shape: shape)
        case "float64": try Tensor(values, shape: shape)
        default: try Tensor(values.map { Float($0) }, shape: shape)
        }
    }
}

public struct FixtureCase: Decodable, Sendable {
    public let inputs: [String: FixtureTensor]
    public let outputs: [String: FixtureTensor]

    public func input(_ name: String) throws -> Tensor {
        guard let t = inputs[name] else { throw TorchError("fixture has no input '\(name)'") }
        return try t.tensor()
    }

    public func output(_ name: String) throws -> FixtureTensor {
        guard let t = outputs[name] else { throw TorchError("fixture has no output '\(name)'") }
        return t
    }
}

public struct FixtureFile: Decodable, Sendable {
    public let generator: String
    public let torch: String
    public let cases: [String: FixtureCase]

    public init(contentsOf url: URL) throws {
        self = try JSONDecoder().decode(FixtureFile.self, from: Data(contentsOf: url))
    }

    /// `Fixtures/NAME.json` among a test target's resources (pass its `Bundle.module`).
    public init(resource name: String, in bundle: Bundle) throws {
        guard let url = bundle.url(forResource: name, withExtension: "json", subdirectory: "Fixtures") else {
            throw TorchError("Fixtures/\(name).json is not among the test target's resources (regenerate it with scripts/fixtures/)")
        }
        try self.init(contentsOf: url)
    }

    public func named(_ name: String) throws -> FixtureCase {
        guard let c = cases[name] else { throw TorchError("fixture file has no case '\(name)' (regenerate with \(generator))") }
        return c
    }
}
