// Attacks.swift: `deat-bench attacks`: PGD-20 on the first N Fashion-MNIST test points for a SmallCNN
// checkpoint, deat vs the same loop in PyTorch (scripts/bench/attacks.py) on the same libtorch and
// thread count, alternating rounds; optionally the time of AutoAttack standard in deat.
//
//   .build/release/deat-bench attacks MODEL.safetensors --n 1000 --threads 2 [--autoattack]
import ArgumentParser
import Attacks
import DataFormats
import Datasets
import Evaluation
import Foundation
import Models
import NN
import Torch

struct AttacksBench: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "attacks",
        abstract: "PGD-20 (and optionally AutoAttack) on Fashion-MNIST test points, deat vs PyTorch.")

    @Argument(help: "A SmallCNN checkpoint written by deat (e.g. by `deat demo --save` or `deat train`).")
    var model: String

    @OptionGroup var options: PeerOptions

    @Option(help: "Test points (the first N).")
    var n: Int = 1000

    @Option(help: "Attack batch size.")
    var batchSize: Int = 250

    @Option(help: "L∞ radius; the PGD step is ε/4.")
    var eps: Double = 0.1

    @Option(help: "Directory with the Fashion-MNIST IDX files.")
    var dataDir: String = DatasetName.fashionMNIST.defaultDirectory ?? "."

    @Flag(help: "Also time AutoAttack standard in deat (no PyTorch peer).")
    var autoattack = false

    func run() throws {
        Runtime.threads = options.threads
        let (network, _, _) = try loadModel(from: URL(fileURLWithPath: model))
        network.eval()
        let test = try TensorDataset(loadImageSet(.fashionMNIST, split: .test, directory: URL(fileURLWithPath: dataDir)), first: n)
        let (images, labels) = try test.batch(0..<test.count)
        var deatTimes: [Double] = [], torchTimes: [Double] = []
        var deatRobust = 0, torchRobust = ""
        for _ in 0..<options.rounds {
            let pgd = PGD(epsilon: eps, stepSize: eps / 4, steps: 20)
            let start = Date()
            let result = try RobustnessEvaluator(model: network, attacks: [pgd], epsilon: eps, batchSize: batchSize)
                .run(images: images, labels: labels)
            deatTimes.append(Date().timeIntervalSince(start))
            deatRobust = result.robust
            let peer = try options.runPeer("attacks.py", [
                model, "--n", String(n), "--batch-size", String(batchSize), "--eps", String(eps), "--data-dir", dataDir,
            ])
            torchTimes.append(peer["seconds"] as? Double ?? .nan)
            torchRobust = "\(peer["robust"] as? Int ?? -1)/\(test.count)"
        }
        let deat = median(deatTimes), torch = median(torchTimes)
        print("PGD-20, ε = \(eps), step ε/4, first \(test.count) Fashion-MNIST test points, batch \(batchSize), \(options.threads) thread(s), \(Runtime.libtorchVersion)")
        printRow("deat (Swift)", String(format: "%8.2f s   robust %d/%d", deat, deatRobust, test.count))
        printRow("PyTorch (Python)", String(format: "%8.2f s   robust ", torch) + torchRobust)
        printRow("ratio deat/PyTorch (time)", String(format: "%8.3f", deat / torch))
        if autoattack {
            let suite = try AttackSuite.parse("aa-standard", epsilon: eps)
            let start = Date()
            let result = try RobustnessEvaluator(model: network, attacks: suite, epsilon: eps, batchSize: batchSize)
                .run(images: images, labels: labels)
            printRow("AutoAttack standard (deat)", String(format: "%8.2f s   robust %d/%d", Date().timeIntervalSince(start), result.robust, test.count))
            for outcome in result.attacks {
                printRow("  after \(outcome.name)", String(format: "%8.2f s   robust %d", outcome.seconds, outcome.robustAfter))
            }
        }
    }
}
