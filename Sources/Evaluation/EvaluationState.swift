// EvaluationState.swift: the resumable state of a robustness evaluation (docs/attacks.md §10.4, after
// AutoAttack's state.py): the per-point robust flags, the attacks completed, and how far the
// current attack got, rewritten atomically after every attack batch so that a killed `deat eval`
// continues where it stopped.
import Foundation
import NN
import SafeTensors
import Storage

/// What one finished attack did, cumulatively (§10.1: "robust accuracy after X").
public struct AttackOutcome: Codable, Sendable, Equatable {
    public var name: String
    public var parameters: [String: String]
    /// Points the attack ran on (those still robust before it).
    public var attacked: Int
    /// Points it broke (misclassified and admissible on a fresh forward pass).
    public var broken: Int
    /// Robust points after this attack, over all N.
    public var robustAfter: Int
    /// Returned images that were not admissible (ε + 1e-6, [0, 1], NaN): always 0 unless an attack is buggy.
    public var inadmissible: Int
    /// AutoAttack's summary line: largest perturbation norm, NaNs, value range of the returned images.
    public var maxPerturbation: Double
    public var hasNaN: Bool
    public var minValue: Double
    public var maxValue: Double
    public var seconds: Double
    /// The attack's own passes through the model (§10.5): PGD-K makes K + 1 forwards and K backwards
    /// per attacked point.
    public var passes: PassCount
    /// The evaluator's fresh forward pass of every returned image (§1), one per attacked point.
    public var verificationForwards: Int
}

/// The one field every deat evaluation state has had.
private struct OnlyFingerprint: Decodable { let fingerprint: String }

/// Everything needed to continue an evaluation; `fingerprint` ties it to one configuration.
public struct EvaluationState: Codable, Sendable {
    public var fingerprint: String
    public var clean: [Bool]
    public var robust: [Bool]
    public var completed: [AttackOutcome]
    /// The attack in progress: the points robust when it started, how many of them are done.
    public var currentPending: [Int]?
    public var currentDone: Int
    public var current: AttackOutcome?
    /// The forward passes of the clean accuracy (one per point).
    public var cleanPasses: PassCount
    /// Per point: the index of the attack that broke it, or −1.
    public var brokenBy: [Int]
    /// Whether every broken point's image was kept (`--save-adversarial`, AdversarialImages.swift).
    public var keepsAdversarial: Bool

    public init(fingerprint: String, clean: [Bool], cleanPasses: PassCount, keepsAdversarial: Bool) {
        self.fingerprint = fingerprint
        self.clean = clean
        self.robust = clean
        self.cleanPasses = cleanPasses
        self.brokenBy = Array(repeating: -1, count: clean.count)
        self.keepsAdversarial = keepsAdversarial
        self.completed = []
        self.currentPending = nil
        self.currentDone = 0
        self.current = nil
    }

    /// Reads a state file; nil when it does not exist.
    public static func load(_ url: URL) throws -> EvaluationState? {
        guard FileManager.default.fileExists(atPath: url.path) else { return nil }
        let data = try Data(contentsOf: url)
        do {
            return try JSONDecoder().decode(EvaluationState.self, from: data)
        } catch {
            // A state of an earlier deat has the fingerprint but not the pass counts (§10.5), which
            // cannot be made up afterwards: say so, rather than call it foreign.
            if (try? JSONDecoder().decode(OnlyFingerprint.self, from: data)) != nil {
                throw EvaluationError(
                    "\(url.path) was written by an earlier deat that did not count passes through the model, so it cannot be continued; run again with --fresh to start over")
            }
            throw EvaluationError("\(url.path): not a deat evaluation state file (\(error)); delete it to start over")
        }
    }

    /// Writes atomically (temp file, fsync, rename: AtomicFile, as training checkpoints), so a
    /// kill never leaves half a file, a failed write (disk full) keeps the previous state, and a
    /// killed write's temp file is recognisably deat's own.
    public func save(_ url: URL) throws {
        let encoder = JSONEncoder()
        encoder.outputFormatting = [.sortedKeys]
        try AtomicFile.write(encoder.encode(self), to: url)
    }
}
