// RobustAccuracy.swift: the evaluator of docs/attacks.md §1: clean accuracy and the point-wise worst
// case over a list of attacks on the same N points. Each attack runs only on the points still
// robust; a point is broken only if a fresh eval-mode forward pass misclassifies the returned
// image and the image is admissible. Robust accuracy divides by all N. Resumable (§10.4). Every
// pass through the model is counted, per stage (§10.5).
import Attacks
import Foundation
import NN
import Torch

/// Progress of one attack, for a progress bar.
public struct EvaluationProgress: Sendable {
    /// The running attack's name.
    public let attack: String
    /// Its 0-based position in the list.
    public let attackIndex: Int
    /// Attacks in the list.
    public let attackCount: Int
    /// Points of this attack processed so far, and how many it runs on.
    public let done: Int
    /// Points this attack runs on (those still robust when it started).
    public let total: Int
    /// Robust points over all N right now.
    public let robust: Int
}

/// Clean and robust counts on N points, each attack's outcome, per-point flags and the passes made.
/// Accuracies divide by all N.
public struct EvaluationResult: Codable, Sendable {
    /// Points evaluated (N).
    public let n: Int
    /// Points classified correctly without attack.
    public let clean: Int
    /// Points that every attack left correctly classified.
    public let robust: Int
    /// Each attack's outcome, in order.
    public let attacks: [AttackOutcome]
    /// Per point: correctly classified without attack.
    public let cleanFlags: [Bool]
    /// Per point: still correctly classified after every attack.
    public let robustFlags: [Bool]
    /// True when part of the work was loaded from a state file.
    public let resumed: Bool
    /// The clean accuracy's forward passes (N).
    public let cleanPasses: PassCount
    /// Per point: the index into `attacks` of the attack that broke it, or −1.
    public let brokenBy: [Int]

    /// Every pass the evaluation made: clean, then each attack's own and its verification forwards.
    public var passes: PassCount {
        attacks.reduce(cleanPasses) { $0 + $1.passes + PassCount(forwards: $1.verificationForwards) }
    }

    /// `clean / n`, in [0, 1].
    public var cleanAccuracy: Double { Double(clean) / Double(max(n, 1)) }
    /// `robust / n`, in [0, 1].
    public var robustAccuracy: Double { Double(robust) / Double(max(n, 1)) }
}

/// The evaluator: clean accuracy, then the point-wise worst case over a list of attacks on the same
/// N points. Each attack runs only on the points still robust; a point counts as broken only if a
/// fresh eval-mode forward pass misclassifies an admissible image. Resumable through `stateFile`.
public struct RobustnessEvaluator {
    /// The model under attack; it runs in eval mode.
    public var model: any Layer
    /// The attacks, in the order they run.
    public var attacks: [any Attack]
    /// The norm admissibility is checked in.
    public var norm: ThreatNorm
    /// The radius admissibility is checked against, in pixel units.
    public var epsilon: Double
    /// Points per attack batch.
    public var batchSize: Int
    /// Base seed; attack a, batch b draws from Generator(seed: derivedSeed(seed, a, b)), so a resumed
    /// run makes the same draws as an uninterrupted one.
    public var seed: UInt64
    /// Where the state is written after every batch; nil: not resumable.
    public var stateFile: URL?
    /// Called after every batch, for a progress bar.
    public var progress: ((EvaluationProgress) -> Void)?
    /// Called after each batch's state is saved (tests use it to simulate a kill).
    public var afterBatch: (() throws -> Void)?
    /// Keep the final input of every point (`runKeepingAdversarial`); with a state file, each batch's
    /// broken images are written beside it so a resumed run still has them.
    public var keepAdversarial = false

    /// An evaluator of `attacks` on `model` under `norm` and `epsilon`.
    public init(
        model: any Layer, attacks: [any Attack], norm: ThreatNorm = .linf, epsilon: Double, batchSize: Int = 250,
        seed: UInt64 = 0, stateFile: URL? = nil
    ) {
        self.model = model
        self.attacks = attacks
        self.norm = norm
        self.epsilon = epsilon
        self.batchSize = batchSize
        self.seed = seed
        self.stateFile = stateFile
    }

    /// The seed of attack `attack`'s batch `batch`, derived from the base seed.
    public static func batchSeed(_ seed: UInt64, attack: Int, batch: Int) -> UInt64 {
        Generator.derivedSeed(seed, attack, batch)
    }

    /// Identifies the configuration a state file belongs to: sizes, threat model, attacks with
    /// their parameters, seed, and checksums of the data and the weights.
    func fingerprint(images: Tensor, labels: Tensor) throws -> String {
        let attackText = attacks.map { a in
            a.name + "{" + a.parameters.sorted { $0.key < $1.key }.map { "\($0.key)=\($0.value)" }.joined(separator: ",") + "}"
        }.joined(separator: ";")
        let dataSum = try images.to(dtype: .float64).sum().item()
        let labelSum = try labels.sum().item()
        let weightSum = try model.parameters().reduce(0.0) { try $0 + $1.to(dtype: .float64).abs().sum().item() }
        return String(
            format: "n=%d norm=%@ eps=%.17g batch=%d seed=%llu data=%.10e labels=%.0f weights=%.10e attacks=%@",
            images.shape[0], norm.rawValue, epsilon, batchSize, seed, dataSum, labelSum, weightSum, attackText)
    }

    /// Clean accuracy, then each attack on the points still robust, on `images` ([N, C, H, W] in [0, 1])
    /// and int64 `labels` [N]; resumes from `stateFile` when it holds this configuration's state.
    public func run(images: Tensor, labels: Tensor) throws -> EvaluationResult {
        try runKeepingAdversarial(images: images, labels: labels).result
    }

    /// `run`, also returning the final input of every point when `keepAdversarial` is set: the image
    /// that broke it, or the clean image (docs/attacks.md §10.6).
    public func runKeepingAdversarial(images: Tensor, labels: Tensor) throws -> (result: EvaluationResult, adversarial: Tensor?) {
        guard batchSize >= 1 else { throw EvaluationError("batch size must be at least 1") }
        guard images.shape.first == labels.shape.first else {
            throw EvaluationError("\(images.shape.first ?? 0) images but \(labels.shape.first ?? 0) labels")
        }
        return try model.withMode(.eval) { try evaluate(images: images.detached(), labels: labels) }
    }

    func evaluate(images: Tensor, labels: Tensor) throws -> (result: EvaluationResult, adversarial: Tensor?) {
        let n = images.shape[0]
        let print = try fingerprint(images: images, labels: labels)
        let counted = PassCountingLayer(model)
        var kept = keepAdversarial ? AdversarialImages(clean: images, directory: stateFile.map(AdversarialImages.directory(besides:))) : nil
        var resumed = false
        var state: EvaluationState
        if let stateFile, let saved = try EvaluationState.load(stateFile) {
            guard saved.fingerprint == print else {
                throw EvaluationError(
                    "\(stateFile.path) belongs to a different evaluation (model, data, ε, attacks, seed or batch size changed); delete it or choose another state file")
            }
            guard saved.keepsAdversarial || !keepAdversarial else {
                throw EvaluationError(
                    "\(stateFile.path) was recorded without keeping the adversarial images, so those of the points already broken are gone; start over with --fresh")
            }
            state = saved
            resumed = true
            evaluationLog.debug("resuming from \(stateFile.path): \(saved.completed.count) of \(attacks.count) attacks done, \(saved.currentDone) points into the next")
            try kept?.reload(brokenBy: state.brokenBy)
        } else {
            let (flags, passes) = try ModelPasses.count { try cleanFlags(counted, images: images, labels: labels) }
            state = EvaluationState(fingerprint: print, clean: flags, cleanPasses: passes, keepsAdversarial: keepAdversarial)
            try stateFile.map(state.save)
            evaluationLog.debug("clean pass: \(flags.filter { $0 }.count) of \(n) points correctly classified")
        }
        for (a, attack) in attacks.enumerated() where a >= state.completed.count {
            try runAttack(attack, index: a, model: counted, state: &state, kept: &kept, images: images, labels: labels)
        }
        let result = EvaluationResult(
            n: n, clean: state.clean.filter { $0 }.count, robust: state.robust.filter { $0 }.count, attacks: state.completed,
            cleanFlags: state.clean, robustFlags: state.robust, resumed: resumed, cleanPasses: state.cleanPasses,
            brokenBy: state.brokenBy)
        return (result, kept?.images)
    }

    func cleanFlags(_ model: any Layer, images: Tensor, labels: Tensor) throws -> [Bool] {
        var flags: [Bool] = []
        try withNoGrad {
            for start in stride(from: 0, to: images.shape[0], by: batchSize) {
                let length = min(batchSize, images.shape[0] - start)
                let logits = try model(images.narrowed(dim: 0, start: start, length: length))
                let correct = try logits.argmax(dim: 1).eq(labels.narrowed(dim: 0, start: start, length: length))
                flags += try correct.ints().map { $0 != 0 }
            }
        }
        return flags
    }

    func runAttack(
        _ attack: any Attack, index a: Int, model: any Layer, state: inout EvaluationState, kept: inout AdversarialImages?,
        images: Tensor, labels: Tensor
    ) throws {
        let pending = state.currentPending ?? state.robust.indices.filter { state.robust[$0] }
        if state.currentPending == nil {
            state.currentPending = pending
            state.currentDone = 0
            state.current = AttackOutcome(
                name: attack.name, parameters: attack.parameters, attacked: pending.count, broken: 0, robustAfter: 0,
                inadmissible: 0, maxPerturbation: 0, hasNaN: false, minValue: .infinity, maxValue: -.infinity, seconds: 0,
                passes: PassCount(), verificationForwards: 0)
        }
        var outcome = state.current!
        let device = images.device
        evaluationLog.debug(
            "attack \(a + 1)/\(attacks.count) \(attack.name): \(pending.count - state.currentDone) of \(pending.count) robust points left to attack, batch size \(batchSize)")
        report(attack, a, done: state.currentDone, total: pending.count, state: state)
        while state.currentDone < pending.count {
            let started = Date()
            let slice = Array(pending[state.currentDone..<min(state.currentDone + batchSize, pending.count)])
            let index = try Tensor(slice.map(Int64.init), shape: [slice.count]).to(device: device)
            let x = try images.indexSelect(dim: 0, indices: index)
            let y = try labels.indexSelect(dim: 0, indices: index)
            let generator = try Generator(seed: Self.batchSeed(seed, attack: a, batch: state.currentDone / batchSize))
            let (adversarial, passes) = try ModelPasses.count {
                try attack.perturb(model: model, images: x, labels: y, mode: .eval, generator: generator)
            }
            let (check, verification) = try ModelPasses.count { try verify(model, adversarial: adversarial, clean: x, labels: y) }
            let broken = slice.indices.filter { check.broken[$0] }
            for i in broken {
                state.robust[slice[i]] = false
                state.brokenBy[slice[i]] = a
            }
            outcome.broken += broken.count
            outcome.passes += passes
            outcome.verificationForwards += verification.forwards
            if !broken.isEmpty {
                let rows = try Tensor(broken.map(Int64.init), shape: [broken.count]).to(device: device)
                try kept?.record(
                    attack: a, batch: state.currentDone / batchSize, points: broken.map { slice[$0] },
                    images: adversarial.detached().indexSelect(dim: 0, indices: rows))
            }
            outcome.inadmissible += check.inadmissible
            outcome.maxPerturbation = max(outcome.maxPerturbation, check.maxPerturbation)
            outcome.hasNaN = outcome.hasNaN || check.hasNaN
            outcome.minValue = min(outcome.minValue, check.minValue)
            outcome.maxValue = max(outcome.maxValue, check.maxValue)
            outcome.seconds += Date().timeIntervalSince(started)
            state.currentDone += slice.count
            state.current = outcome
            try stateFile.map(state.save)
            report(attack, a, done: state.currentDone, total: pending.count, state: state)
            try afterBatch?()
        }
        outcome.robustAfter = state.robust.filter { $0 }.count
        evaluationLog.debug(
            "attack \(a + 1)/\(attacks.count) \(attack.name) done: broke \(outcome.broken), \(outcome.robustAfter) points remain robust (\(String(format: "%.1f", outcome.seconds)) s)")
        if outcome.minValue > outcome.maxValue { (outcome.minValue, outcome.maxValue) = (0, 0) }  // attacked nothing
        state.completed.append(outcome)
        state.currentPending = nil
        state.currentDone = 0
        state.current = nil
        try stateFile.map(state.save)
    }

    func report(_ attack: any Attack, _ a: Int, done: Int, total: Int, state: EvaluationState) {
        progress?(EvaluationProgress(
            attack: attack.name, attackIndex: a, attackCount: attacks.count, done: done, total: total,
            robust: state.robust.filter { $0 }.count))
    }

    /// The fresh forward pass of §1: broken iff misclassified and admissible.
    func verify(_ model: any Layer, adversarial: Tensor, clean: Tensor, labels: Tensor) throws
        -> (broken: [Bool], inadmissible: Int, maxPerturbation: Double, hasNaN: Bool, minValue: Double, maxValue: Double)
    {
        try withNoGrad {
            let x = try adversarial.detached().to(dtype: clean.dtype)
            let ok = try admissible(x, clean: clean, norm: norm, epsilon: epsilon)
            let wrong = try model(x).argmax(dim: 1).ne(labels)
            let broken = try wrong.logicalAnd(ok).ints().map { $0 != 0 }
            let delta = try (x - clean).flattened(from: 1).to(dtype: .float64)
            let size = try norm == .linf ? delta.abs().max() : delta.norm(p: 2, dims: [1]).max()
            return (
                broken, try ok.logicalNot().ints().reduce(0, +), try size.item(), try x.isNaN().any().item() != 0,
                try x.min().item(), try x.max().item()
            )
        }
    }
}
