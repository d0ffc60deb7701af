// AutoAttack.swift: AutoAttack "standard" and the named attack lists deat evaluates with
// (docs/attacks.md §10): APGD-CE → APGD-T → FAB-T → Square with the reference parameters, the cheaper
// subsets of §10.2 under their own names, and single attacks such as "pgd-20" or "cw-20". Under L2
// the L∞-only items are refused, never run weaker under their names (§10.1).
import NN
import Torch

/// AutoAttack "standard" (APGD-CE → APGD-T → FAB-T → Square with the reference parameters), its
/// cheaper named subsets and single attacks such as "pgd-20", built from the names `deat eval --attacks` takes.
public enum AttackSuite {
    /// AutoAttack standard (§10.1). `steps`, `targets` and `squareQueries` are reduced only for
    /// tests; reports then carry the reduced values in every attack's parameters.
    /// L∞ only: under L2 `parse` refuses it (`l2Replacement`), since deat's FAB-T and Square are L∞
    /// attacks.
    public static func autoAttackStandard(
        epsilon: Double, steps: Int = 100, targets: Int = 9, squareQueries: Int = 5000
    ) -> [any Attack] {
        [
            APGD(epsilon: epsilon, steps: steps, restarts: 1, loss: .crossEntropy),
            APGDT(epsilon: epsilon, steps: steps, restarts: 1, targets: targets),
            FABT(epsilon: epsilon, steps: steps, targets: targets),
            Square(epsilon: epsilon, queries: squareQueries),
        ]
    }

    /// Target classes of the fast suite's APGD-T: the first 3 of MALT's ranking, where almost all of
    /// APGD-T's successes lie (docs/attacks.md §10.7).
    public static let fastTargets = 3

    /// The fast suite (§10.7): AutoAttack's APGD-CE, then APGD-T on the first `targets` classes of
    /// MALT's ranking (margin over its gradient's dual norm), both dropping each point at its first
    /// misclassified iterate.
    /// Under either norm, as `aa-apgd-ce+t`: both stages exist for L2. `steps` is reduced only for
    /// tests and quick looks, and `targets` only below `fastTargets`.
    public static func fast(epsilon: Double, norm: ThreatNorm = .linf, steps: Int = 100, targets: Int = fastTargets) -> [any Attack] {
        var ce = APGD(epsilon: epsilon, norm: norm, steps: steps, restarts: 1, loss: .crossEntropy)
        ce.earlyStop = true
        var t = APGDT(epsilon: epsilon, norm: norm, steps: steps, restarts: 1, targets: min(targets, fastTargets))
        t.apgd.earlyStop = true
        t.ranking = .malt
        return [ce, t]
    }

    /// Whether `attacks` are AutoAttack standard with the reference budgets (§10.1, §11): the only
    /// list whose result a report may give as RobustBench's `autoattack_acc`.
    public static func isStandard(_ attacks: [any Attack], epsilon: Double) -> Bool {
        let reference = autoAttackStandard(epsilon: epsilon)
        return attacks.count == reference.count
            && zip(attacks, reference).allSatisfy { $0.name == $1.name && $0.parameters == $1.parameters }
    }

    /// What to use instead of the items that exist only for L∞ (§5, §10.1). Under L2 each would be
    /// weaker than its name says: FAB-T's and FGSM's steps are L∞ steps whose images mostly fail
    /// the L2 check, and Square and AutoAttack standard would silently lose stages. `parse` refuses
    /// them rather than report a weaker attack under their names.
    static func l2Replacement(_ name: String) -> String? {
        switch name {
        case "aa-standard", "autoattack", "aa":
            "aa-apgd-ce+t (AutoAttack's APGD-CE and APGD-T stages, reported under their own name): deat's FAB-T and Square are L∞-only, so an L2 aa-standard would be that suite under AutoAttack's name"
        case "fab-t", "square":
            "apgd-t or aa-apgd-ce+t: deat's \(name) is the L∞ algorithm; the L2 one is different and not implemented"
        case "fgsm", "fgsm-rs":
            "pgd-STEPS, which follows the threat model's norm: \(name) takes L∞ steps"
        default:
            nil
        }
    }

    /// The names `parse` accepts, for help texts.
    public static let helpText = """
        aa-standard (APGD-CE, APGD-T, FAB-T, Square), aa-apgd-ce+t (APGD-CE, APGD-T), \
        aa-apgd-ce+dlr (APGD-CE, APGD-DLR), fast (APGD-CE, APGD-T on 3 MALT-ranked targets, both stopping per point \
        at its first break; docs/attacks.md §10.7), or a comma-separated list of those and of fgsm, fgsm-rs, \
        pgd-STEPS[-RESTARTS], cw-STEPS[-RESTARTS], pgd-l2-STEPS, apgd-ce, apgd-dlr, apgd-t, fab-t, square \
        (e.g. pgd-20,aa-standard)
        """

    /// Options for the single attacks `parse` builds.
    public struct Options: Sendable {
        /// PGD/CW step size as a fraction of ε (0.25: 2/255 at ε = 8/255).
        public var stepFraction = 0.25
        /// κ of the CW loss ("cw-20").
        public var cwKappa = 50.0
        public var randomStart = true
        /// Iterations of APGD/APGD-T/FAB-T (100 in AutoAttack).
        public var apgdSteps = 100
        public var targets = 9
        public var squareQueries = 5000
        public init() {}
    }

    /// Builds the attack list for `text`: a comma-separated list whose items are single attacks or
    /// suites, e.g. "aa-standard", "pgd-20,cw-20" or "pgd-20,aa-standard" (the suite's stages then run
    /// on the points PGD-20 left robust, the point-wise worst case of §1).
    public static func parse(_ text: String, epsilon: Double, norm: ThreatNorm = .linf, options: Options = Options()) throws -> [any Attack] {
        try text.split(separator: ",").flatMap { item in
            try suite(String(item).trimmingWhitespace(), epsilon: epsilon, norm: norm, options: options)
        }
    }

    /// One item of an attack list: a named suite expands to its stages, anything else is one attack.
    static func suite(_ name: String, epsilon: Double, norm: ThreatNorm, options o: Options) throws -> [any Attack] {
        if norm == .l2, let instead = l2Replacement(name.lowercased()) {
            throw AttackError.linfOnly(name, instead: instead)
        }
        switch name.lowercased() {
        case "aa-standard", "autoattack", "aa":
            return autoAttackStandard(epsilon: epsilon, steps: o.apgdSteps, targets: o.targets, squareQueries: o.squareQueries)
        case "aa-apgd-ce+t":
            return [APGD(epsilon: epsilon, norm: norm, steps: o.apgdSteps), APGDT(epsilon: epsilon, norm: norm, steps: o.apgdSteps, targets: o.targets)]
        case "aa-apgd-ce+dlr":
            return [APGD(epsilon: epsilon, norm: norm, steps: o.apgdSteps), APGD(epsilon: epsilon, norm: norm, steps: o.apgdSteps, loss: .dlr)]
        case "fast":
            return fast(epsilon: epsilon, norm: norm, steps: o.apgdSteps, targets: o.targets)
        default:
            return [try single(name, epsilon: epsilon, norm: norm, options: o)]
        }
    }

    static func single(_ name: String, epsilon: Double, norm: ThreatNorm, options o: Options) throws -> any Attack {
        let step = epsilon * o.stepFraction
        switch name.lowercased() {
        case "fgsm": return FGSM(epsilon: epsilon)
        case "fgsm-rs": return FGSMRS(epsilon: epsilon)
        case "apgd-ce": return APGD(epsilon: epsilon, norm: norm, steps: o.apgdSteps)
        case "apgd-dlr": return APGD(epsilon: epsilon, norm: norm, steps: o.apgdSteps, loss: .dlr)
        case "apgd-t": return APGDT(epsilon: epsilon, norm: norm, steps: o.apgdSteps, targets: o.targets)
        case "fab-t": return FABT(epsilon: epsilon, steps: o.apgdSteps, targets: o.targets)
        case "square": return Square(epsilon: epsilon, queries: o.squareQueries)
        default: break
        }
        var parts = name.lowercased().split(separator: "-").map(String.init)
        if parts.count > 1, parts[0] == "pgd", parts[1] == "l2" { parts = ["pgd-l2"] + parts.dropFirst(2) }
        let numbers = parts.dropFirst().compactMap { Int($0) }.filter { $0 >= 1 }
        guard !parts.isEmpty, numbers.count == parts.count - 1, (1...2).contains(numbers.count) else {
            throw AttackError.unknownAttack(name)
        }
        let steps = numbers[0], restarts = numbers.count > 1 ? numbers[1] : 1
        switch parts[0] {
        case "pgd", "pgd-l2":
            // "pgd" follows the threat model's norm; "pgd-l2" is L2 under either.
            let pgdNorm = parts[0] == "pgd-l2" ? .l2 : norm
            return PGD(epsilon: epsilon, norm: pgdNorm, stepSize: step, steps: steps, randomStart: o.randomStart, restarts: restarts)
        case "cw":
            // Follows the threat model's norm, as "pgd" does (under L2 it is named "pgd-l2-cw-STEPS").
            var cw = PGD(epsilon: epsilon, norm: norm, stepSize: step, steps: steps, randomStart: o.randomStart, restarts: restarts, loss: .cw)
            cw.kappa = o.cwKappa
            return cw
        default:
            throw AttackError.unknownAttack(name)
        }
    }
}

/// A list of attacks as one attack: each runs on the points the previous ones left correctly
/// classified (the §1 driver inside one batch). The evaluator runs the list itself, to report
/// each stage; this is for callers that only want the images.
struct AttackSequence: Attack {
    var attacks: [any Attack]
    var name: String
    var norm: ThreatNorm
    var epsilon: Double

    init(_ attacks: [any Attack], name: String, norm: ThreatNorm = .linf, epsilon: Double) {
        self.attacks = attacks
        self.name = name
        self.norm = norm
        self.epsilon = epsilon
    }

    var parameters: [String: String] {
        var p: [String: String] = ["attacks": attacks.map(\.name).joined(separator: ",")]
        for a in attacks { for (k, v) in a.parameters { p["\(a.name).\(k)"] = v } }
        return p
    }

    func perturb(model: any Layer, images: Tensor, labels: Tensor, mode: ModelMode, generator: Generator) throws -> Tensor {
        try validateBatch(images: images, labels: labels)
        return try RobustRows.attack(model: model, images: images, labels: labels, mode: mode) { points in
            try points.attackRobust(rounds: attacks.count) { stage, xs, ys, _ in
                let out = try attacks[stage].perturb(model: model, images: xs, labels: ys, mode: mode, generator: generator)
                let broken = try misclassified(logitsNoGrad(model: model, at: out), ys)
                    .logicalAnd(admissible(out, clean: xs, norm: norm, epsilon: epsilon))
                return (broken, out)
            }
        }
    }
}

extension String {
    func trimmingWhitespace() -> String {
        String(drop { $0 == " " }.reversed().drop { $0 == " " }.reversed())
    }
}
