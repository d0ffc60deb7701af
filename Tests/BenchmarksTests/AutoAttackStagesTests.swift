// AutoAttackStagesTests.swift: `deat bench attacks --autoattack --reference DIR` compares AutoAttack
// stage by stage, per attacked point, because the two sides reach a stage with different points left.
// The reference peer (scripts/bench/autoattack_peer.py) is read back here from a stand-in's JSON; the
// reference itself (fra31/auto-attack) is not on the test machines, so the real script is only checked
// to refuse a directory that is not a checkout, in one line.
import Foundation
import Testing
import TestSupport
import Torch
@testable import Benchmarks

@Suite("Benchmarks: AutoAttack stage by stage against the reference")
struct AutoAttackStagesTests {
    @Test("the peer's stages are read in order with their points, and seconds per point divide by the points attacked")
    func readsStages() throws {
        let json: [String: Any] = ["stages": [
            ["name": "apgd-ce", "seconds": 4.0, "points": 80, "robust_after": 60],
            ["name": "square", "seconds": 30, "points": 0, "robust_after": 0],
        ]]
        let stages = try AttacksBenchmark.peerStages(PeerResult(json: json, source: "the peer"))
        #expect(stages == [
            AttacksBenchmark.Stage(name: "apgd-ce", seconds: 4, points: 80, robustAfter: 60),
            AttacksBenchmark.Stage(name: "square", seconds: 30, points: 0, robustAfter: 0),
        ])
        #expect(stages[0].secondsPerPoint == 0.05)
        #expect(stages[1].secondsPerPoint == 0)  // no point reached it: no division by zero
    }

    @Test("a result without stages, or a stage without its figures, is one line naming what is missing")
    func missingFigures() throws {
        let none = try #require(throws: TorchError.self) {
            try AttacksBenchmark.peerStages(PeerResult(json: ["seconds": 1], source: "autoattack_peer.py"))
        }
        #expect(none.message.contains("autoattack_peer.py") && none.message.contains("stages"))
        let partial = try #require(throws: TorchError.self) {
            try AttacksBenchmark.peerStages(PeerResult(json: ["stages": [["name": "apgd-ce", "seconds": 1.0]]], source: "autoattack_peer.py"))
        }
        #expect(partial.message.contains("points"))
    }

    @Test("the reference peer refuses a directory that is not a checkout of fra31/auto-attack, in one line",
          .enabled(if: pythonTorchAvailable, "needs Debian's python3-torch (scripts/dev.sh deps)"))
    func refusesNonCheckout() throws {
        try withTemporaryDirectory { dir in
            let runner = PeerRunner(python: PeerRunner.defaultPython, directory: repositoryRoot.appendingPathComponent("scripts/bench").path, threads: 1)
            let error = try #require(throws: TorchError.self) {
                try runner.run(AttacksBenchmark.autoAttackPeerScript, ["model.safetensors", "--reference", dir.path, "--n", "1"])
            }
            #expect(error.message == error.oneLine)
            #expect(error.message.contains("is not a checkout of fra31/auto-attack"))
        }
    }
}
