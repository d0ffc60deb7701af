// BenchAttacks.swift: `deat bench attacks`: PGD-20 on the first N Fashion-MNIST test points for a
// SmallCNN checkpoint, deat vs the same loop in PyTorch (scripts/bench/attacks.py) on the same
// libtorch and thread count, alternating rounds; optionally AutoAttack standard stage by stage, in deat
// and (--reference DIR) in the reference implementation, fra31/auto-attack. The measurements are
// Benchmarks.AttacksBenchmark.
//
//   deat bench attacks MODEL.safetensors --n 1000 --threads 2 [--autoattack [--reference DIR]]
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
    @Flag(help: "Also time AutoAttack standard, stage by stage, in deat (and in the reference with --reference).")
    var autoattack = false
    @Option(
        help: ArgumentHelp(
            "With --autoattack: a checkout of fra31/auto-attack (the directory holding autoattack/), run on the same points for a stage-by-stage comparison.",
            discussion: "deat does not ship the reference; clone https://github.com/fra31/auto-attack. Its stages run once each (AutoAttack takes minutes), deat's first.",
            valueName: "dir"))
    var reference: String?

    func validate() throws {
        guard n >= 1, batchSize >= 1 else { throw ValidationError("--n and --batch-size must be at least 1") }
        guard eps > 0, eps.isFinite else { throw ValidationError("--eps must be a positive number") }
        if let reference {
            guard autoattack else { throw ValidationError("--reference compares AutoAttack; add --autoattack") }
            guard FileManager.default.fileExists(atPath: reference + "/autoattack/autoattack.py") else {
                throw ValidationError("--reference \(reference) is not a checkout of fra31/auto-attack (no autoattack/autoattack.py in it)")
            }
        }
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
        guard autoattack else { return }
        if reference != nil { try peer.check(AttacksBenchmark.autoAttackPeerScript) }
        let (seconds, result) = try bench.autoAttack()
        printRow("AutoAttack standard (deat)", String(format: "%8.2f s   robust %d/%d", seconds, result.robust, count))
        let stages = AttacksBenchmark.stages(result)
        guard let reference else {
            for stage in stages {
                printRow("  after \(stage.name)", String(format: "%8.2f s   robust %d", stage.seconds, stage.robustAfter))
            }
            return
        }
        let references = try AttacksBenchmark.peerStages(
            peer.run(AttacksBenchmark.autoAttackPeerScript, bench.autoAttackPeerArguments(reference: reference)))
        printStages(deat: stages, reference: references)
    }

    /// Stage by stage, per attacked point: the sides reach a stage with different points left.
    private func printStages(deat: [AttacksBenchmark.Stage], reference: [AttacksBenchmark.Stage]) {
        print("AutoAttack standard, stage by stage: deat against the reference implementation (fra31/auto-attack)")
        func row(_ cells: String...) {
            print("  " + cells.enumerated().map { $0 == 0 ? $1.padding(toLength: 9, withPad: " ", startingAt: 0) : String(repeating: " ", count: max(0, 24 - $1.count)) + $1 }.joined())
        }
        func cell(_ s: AttacksBenchmark.Stage) -> String { String(format: "%.2f s (%d → %d)", s.seconds, s.points, s.robustAfter) }
        row("stage", "deat (points → robust)", "reference", "ratio per point")
        for d in deat {
            guard let r = reference.first(where: { $0.name == d.name }) else { continue }
            let ratio = d.points > 0 && r.points > 0 ? String(format: "%.3f", d.secondsPerPoint / r.secondsPerPoint) : "-"
            row(d.name, cell(d), cell(r), ratio)
        }
        let (dt, rt) = (deat.reduce(0) { $0 + $1.seconds }, reference.reduce(0) { $0 + $1.seconds })
        row("total", String(format: "%.2f s", dt), String(format: "%.2f s", rt), "")
    }
}
