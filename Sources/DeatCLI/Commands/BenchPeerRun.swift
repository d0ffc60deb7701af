// BenchPeerRun.swift: `deat bench peer-run` (hidden): deat's side of `deat bench peer`, run as a
// child process so that its peak resident memory is measured exactly as the PyTorch side's is. It
// runs Benchmarks.PeerTraining (M+DEAT or FREE-m with the Trainer, no per-epoch validation, then
// PGD-20 on the first N test points) and prints its result as one JSON line.
import ArgumentParser
import Benchmarks
import Foundation
import Torch

struct BenchPeerRun: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "peer-run", abstract: "deat's side of `deat bench peer` (one child process).", shouldDisplay: false)

    @Option(help: "mplus-deat or free-N.") var method: String
    @Option(help: "Initial SmallCNN weights (safetensors).") var initial: String
    @Option(help: "Scratch directory for the run's files.") var work: String
    @OptionGroup var size: PeerRunOptions
    @OptionGroup var runtime: RuntimeOptions

    func run() throws {
        var side = size.training(method: method, initial: initial, work: work, seed: runtime.seed)
        side.device = try runtime.apply()
        let line = try side.run()
        print(String(decoding: try JSONSerialization.data(withJSONObject: line, options: [.sortedKeys]), as: UTF8.self))
    }
}
