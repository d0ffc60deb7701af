// BenchAttacks.swift: `deat bench attacks`: PGD-20 on the first N Fashion-MNIST test points for a
// SmallCNN checkpoint, deat vs the same loop in PyTorch (scripts/bench/attacks.py) on the same
// libtorch and thread count, alternating rounds; optionally the time of AutoAttack standard in deat.
// The measurements are Benchmarks.AttacksBenchmark.
//
//   deat bench attacks MODEL.safetensors --n 1000 --threads 2 [--autoattack]
import ArgumentParser
import Benchmarks
import Foundation
import Torch

struct BenchAttacks: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "attacks",
        abstract: "PGD-20 (and optionally AutoAttack) on Fashion-MNIST test points, deat vs PyTorch.")

    @Argument(help: "A SmallCNN checkpoint written by deat (e.g. by `deat demo --save` or `deat train`).") var model: String
    @OptionGroup var options: PeerOptions
    @Option(help: "Test points (the first N).") var n: Int = 1000
    @Option(help: "Attack batch size.") var batchSize: Int = 250
    @Option(help: "L∞ radius; the PGD step is ε/4.") var eps: Double = 0.1
    @OptionGroup var data: FashionMNISTOption
    @Flag(help: "Also time AutoAttack standard in deat (no PyTorch peer).") var autoattack = false

    func validate() throws {
        guard n >= 1, batchSize >= 1 else { throw ValidationError("--n and --batch-size must be at least 1") }
        guard eps > 0, eps.isFinite else { throw ValidationError("--eps must be a positive number") }
    }

    func run() throws {
        let peer = options.runner()
        try peer.check(AttacksBenchmark.peerScript)
        let bench = try AttacksBenchmark(checkpoint: model, dataDirectory: data.directory, n: n, epsilon: eps, batchSize: batchSize)
        var deatRobust = 0, torchRobust = 0
        let (deat, torch) = try Timing.alternate(
            rounds: options.rounds,
            deat: {
                let (seconds, robust) = try bench.measureDeat()
                deatRobust = robust
                return seconds
            },
            peer: {
                let (seconds, robust) = try AttacksBenchmark.peerFigures(peer.run(AttacksBenchmark.peerScript, bench.peerArguments))
                torchRobust = robust
                return seconds
            })
        let count = bench.count
        print("PGD-20, ε = \(eps), step ε/4, first \(count) Fashion-MNIST test points, batch \(batchSize), \(options.threads) thread(s), \(Runtime.libtorchVersion)")
        printRow("deat (Swift)", String(format: "%8.2f s   robust %d/%d", deat, deatRobust, count))
        printRow("PyTorch (Python)", String(format: "%8.2f s   robust %d/%d", torch, torchRobust, count))
        printRow("ratio deat/PyTorch (time)", String(format: "%8.3f", deat / torch))
        if autoattack {
            let (seconds, result) = try bench.autoAttack()
            printRow("AutoAttack standard (deat)", String(format: "%8.2f s   robust %d/%d", seconds, result.robust, count))
            for outcome in result.attacks {
                printRow("  after \(outcome.name)", String(format: "%8.2f s   robust %d", outcome.seconds, outcome.robustAfter))
            }
        }
    }
}
