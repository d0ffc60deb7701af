// AttacksBenchmark.swift: the deat side of `deat bench attacks`: PGD-20 (ε, step ε/4) on the first N
// Fashion-MNIST test points for a SmallCNN checkpoint, against the same loop in PyTorch
// (scripts/bench/attacks.py); optionally AutoAttack standard, stage by stage, in deat and in the reference
// implementation (fra31/auto-attack, a checkout the user points to; scripts/bench/autoattack_peer.py).
import Attacks
import DataFormats
import Datasets
import Evaluation
import Foundation
import Models
import NN
import Torch

public struct AttacksBenchmark {
    public let checkpoint: String
    public let dataDirectory: String
    public let epsilon: Double
    public let batchSize: Int
    let network: any Layer
    let images: Tensor
    let labels: Tensor

    /// Test points actually used (N, or fewer when the test set is smaller).
    public var count: Int { images.shape[0] }

    /// Loads the checkpoint (in eval mode) and the first `n` test points.
    public init(checkpoint: String, dataDirectory: String, n: Int, epsilon: Double, batchSize: Int) throws {
        (self.checkpoint, self.dataDirectory, self.epsilon, self.batchSize) = (checkpoint, dataDirectory, epsilon, batchSize)
        (network, _, _) = try loadModel(from: URL(fileURLWithPath: checkpoint))
        network.eval()
        let test = try TensorDataset(
            loadImageSet(.fashionMNIST, split: .test, directory: URL(fileURLWithPath: dataDirectory)), first: n)
        (images, labels) = try test.batch(0..<test.count)
    }

    public static let peerScript = "attacks.py"
    public var peerArguments: [String] {
        [checkpoint, "--n", String(count), "--batch-size", String(batchSize), "--eps", String(epsilon), "--data-dir", dataDirectory]
    }

    /// Seconds and robust points of PGD-20 in deat.
    public func measureDeat() throws -> (seconds: Double, robust: Int) {
        let pgd = PGD(epsilon: epsilon, stepSize: epsilon / 4, steps: 20)
        let start = Timing.now()
        let result = try RobustnessEvaluator(model: network, attacks: [pgd], epsilon: epsilon, batchSize: batchSize)
            .run(images: images, labels: labels)
        return (Timing.seconds(since: start), result.robust)
    }

    /// Seconds and robust points from the peer's result.
    public static func peerFigures(_ result: PeerResult) throws -> (seconds: Double, robust: Int) {
        (try result.double("seconds"), try result.int("robust"))
    }

    public static let autoAttackPeerScript = "autoattack_peer.py"
    /// The reference peer's arguments: `reference` is a checkout of fra31/auto-attack.
    public func autoAttackPeerArguments(reference: String) -> [String] {
        [checkpoint, "--reference", reference, "--n", String(count), "--batch-size", String(batchSize), "--eps", String(epsilon),
         "--data-dir", dataDirectory]
    }

    /// One AutoAttack stage's time on one side: the points it ran on (those still robust before it)
    /// and the robust points after it, over all N.
    public struct Stage: Sendable, Equatable {
        public let name: String
        public let seconds: Double
        public let points: Int
        public let robustAfter: Int

        public init(name: String, seconds: Double, points: Int, robustAfter: Int) {
            (self.name, self.seconds, self.points, self.robustAfter) = (name, seconds, points, robustAfter)
        }

        /// Seconds per attacked point: the sides reach a stage with different points left (their random
        /// draws differ), so stages are compared per point.
        public var secondsPerPoint: Double { points > 0 ? seconds / Double(points) : 0 }
    }

    /// deat's stages from an evaluation result.
    public static func stages(_ result: EvaluationResult) -> [Stage] {
        result.attacks.map { Stage(name: $0.name, seconds: $0.seconds, points: $0.attacked, robustAfter: $0.robustAfter) }
    }

    /// The reference peer's stages.
    public static func peerStages(_ result: PeerResult) throws -> [Stage] {
        guard let list = result.json["stages"] as? [[String: Any]] else { throw result.missing("stages") }
        return try list.map { entry in
            let stage = PeerResult(json: entry, source: result.source)
            guard let name = entry["name"] as? String else { throw result.missing("stages.name") }
            return Stage(name: name, seconds: try stage.double("seconds"), points: try stage.int("points"),
                         robustAfter: try stage.int("robust_after"))
        }
    }

    /// AutoAttack standard on the same points in deat: total seconds and the evaluator's result.
    public func autoAttack() throws -> (seconds: Double, result: EvaluationResult) {
        let suite = try AttackSuite.parse("aa-standard", epsilon: epsilon)
        let start = Timing.now()
        let result = try RobustnessEvaluator(model: network, attacks: suite, epsilon: epsilon, batchSize: batchSize)
            .run(images: images, labels: labels)
        return (Timing.seconds(since: start), result)
    }
}
