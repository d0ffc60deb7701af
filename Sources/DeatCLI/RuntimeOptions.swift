// RuntimeOptions.swift: options every compute subcommand shares (threads, device, seed).
import ArgumentParser
import Foundation
import Torch

struct RuntimeOptions: ParsableArguments {
    @Option(help: "libtorch intra-op threads, set explicitly because libtorch's own default may be 1.")
    var threads: Int = ProcessInfo.processInfo.activeProcessorCount

    @Option(help: "Compute device: cpu, cuda or cuda:N.")
    var device: String = "cpu"

    @Option(help: "Seed for weights, shuffling and every random draw.")
    var seed: UInt64 = 0

    func validate() throws {
        guard threads >= 1 else { throw ValidationError("--threads must be at least 1, got \(threads)") }
        do {
            _ = try Device(parsing: device)
        } catch {
            throw ValidationError("--device: \(error)")
        }
    }

    /// Applies the thread count and returns the device, checked against this libtorch.
    func apply() throws -> Device {
        Runtime.threads = threads
        Runtime.manualSeed(seed)
        let parsed = try Device(parsing: device)
        try parsed.validate()
        return parsed
    }
}
