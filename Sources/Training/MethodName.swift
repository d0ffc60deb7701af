// MethodName.swift: the methods `deat train --method` offers, and how each is built from a config
// with the reference settings (docs/methods.md §1.2, §2, §2.2, §8).

/// The methods `deat train --method` offers; each builds its ``TrainingMethod`` from a
/// ``TrainingConfig`` with the reference settings.
public enum MethodName: String, Codable, Sendable, CaseIterable {
    case mplusDEAT = "mplus-deat"
    case deat
    case free
    case fgsmRS = "fgsm-rs"
    case pgd
    case mplusPGD = "mplus-pgd"
    case trades
    case mplusTRADES = "mplus-trades"
    case mart
    case mplusMART = "mplus-mart"
    /// Amata-2-10 (the DEAT authors' re-implementation, docs/methods.md §2.8), and Amata with the M+
    /// rule raising K from 2 in place of its linear schedule.
    case amata
    case mplusAmata = "mplus-amata"
    /// Friendly Adversarial Training and its TRADES/MART versions, and M+FAT (docs/methods.md §2.10).
    case fat
    case fatTRADES = "fat-trades"
    case fatMART = "fat-mart"
    case mplusFAT = "mplus-fat"
    /// DEAT-p: r rises after an epoch whose training accuracy exceeds p (docs/methods.md §1.5).
    case deatP = "deat-p"
    /// N-FGSM (de Jorge et al. 2022, docs/methods.md §2.8).
    case nfgsm
    /// FGSM with the GradAlign regulariser (Andriushchenko & Flammarion 2020, docs/methods.md §2.8).
    case gradAlign = "gradalign"
    /// YOPO-5-3 (Zhang et al. 2019, docs/methods.md §2.12): K full passes, each followed by σ = 3
    /// inner steps through the first layer only.
    case yopo
    case standard

    /// Replays (DEAT, FREE) or attack steps (PGD, TRADES, MART) when the config does not say:
    /// the cap for M+ and DEAT-d, the fixed count otherwise.
    public var defaultIterations: Int {
        switch self {
        case .mplusDEAT, .free: 8
        case .deat: 5
        case .deatP: 4
        case .pgd, .mplusPGD: 7
        case .trades, .mplusTRADES, .mart, .mplusMART, .amata, .mplusAmata, .fatTRADES, .fatMART: 10
        case .fat, .mplusFAT: 5  // Table 1's FAT-5 (fat_cifar10.py --num_steps 5)
        case .yopo: 5  // YOPO-5-3's K (config.py `K = 5`)
        case .fgsmRS, .nfgsm, .gradAlign: 1
        case .standard: 0
        }
    }

    /// Builds the method. `alpha` is the step size in [0, 1] pixel units (DEAT's base step for the
    /// replay methods; the attack step for PGD/TRADES/MART; Amata's total τ, split over its steps).
    public func make(config c: TrainingConfig) -> any TrainingMethod {
        guard c.carryPerturbation, var replays = makeDrawing(config: c) as? DEAT else { return makeDrawing(config: c) }
        replays.carries = true
        return replays
    }

    /// Whether the method replays minibatches FREE-style, so that it can carry δ across them.
    public var replays: Bool { [.mplusDEAT, .deat, .deatP, .free].contains(self) }

    /// The method with δ drawn (or started) afresh for every minibatch.
    private func makeDrawing(config c: TrainingConfig) -> any TrainingMethod {
        let n = c.iterations
        let mPlus = MPlusController.attackSteps(gamma: c.gamma, maximum: n, minimumBudget: minimumBudget(config: c))
        switch self {
        case .mplusDEAT:
            return DEAT(name: rawValue, policy: .mPlus(.deat(gamma: c.gamma, maximum: n)), stepSize: c.alpha, startRadius: c.epsilon)
        case .deat:
            return DEAT(name: rawValue, policy: .linear(every: c.linearEvery, maximum: n), stepSize: c.alpha, startRadius: c.epsilon)
        case .deatP:
            let trigger = IterationPolicy.accuracyTriggered(threshold: c.accuracyThreshold, maximum: n, count: 1)
            return DEAT(name: rawValue, policy: trigger, stepSize: c.alpha, startRadius: c.epsilon)
        case .free:
            return DEAT.free(replays: n, epsilon: c.epsilon)
        case .fgsmRS:
            return FGSMRS(epsilon: c.epsilon, stepSize: c.alpha)
        case .nfgsm:
            return NFGSM(stepSize: c.alpha, noiseScale: c.noiseScale)
        case .gradAlign:
            return GradAlign(stepSize: c.alpha, lambda: c.alignmentWeight)
        case .amata:
            return PGDAT.amata(maximumSteps: n, epochs: c.epochs, total: c.alpha)
        case .mplusAmata:
            // K starts at Amata's 2; no n·α < ε clause, since K steps of τ/K always add up to τ > ε.
            let rule = MPlusController(gamma: c.gamma, initial: 2, afterWarmup: 2, maximum: n)
            return PGDAT(name: rawValue, policy: .mPlus(rule), stepSize: .totalOverSteps(c.alpha), start: .zero)
        case .fat, .fatTRADES, .fatMART, .mplusFAT:
            let objective: FriendlyObjective = switch self {
            case .fatTRADES: .trades(beta: c.beta)
            case .fatMART: .mart(beta: c.beta)
            default: .crossEntropy
            }
            let policy: IterationPolicy = self == .mplusFAT ? .mPlus(mPlus) : .fixed(n)
            return FriendlyAdversarialTraining(name: rawValue, policy: policy, stepSize: c.alpha, tau: c.fatTau, objective: objective)
        case .pgd:
            return PGDAT(name: rawValue, policy: .fixed(n), stepSize: .fixed(c.alpha), magnitudeSource: c.magnitudeSource)
        case .mplusPGD:
            return PGDAT(
                name: rawValue, policy: .mPlus(mPlus), stepSize: .epsilonOverStepsAtLeast(c.alpha), magnitudeSource: c.magnitudeSource)
        case .trades:
            return TRADES(name: rawValue, policy: .fixed(n), stepSize: .fixed(c.alpha), beta: c.beta, magnitudeSource: c.magnitudeSource)
        case .mplusTRADES:
            return TRADES(name: rawValue, policy: .mPlus(mPlus), stepSize: .fixed(c.alpha), beta: c.beta, magnitudeSource: c.magnitudeSource)
        case .mart:
            return MART(name: rawValue, policy: .fixed(n), stepSize: .fixed(c.alpha), beta: c.beta, magnitudeSource: c.magnitudeSource)
        case .mplusMART:
            return MART(name: rawValue, policy: .mPlus(mPlus), stepSize: .fixed(c.alpha), beta: c.beta, magnitudeSource: c.magnitudeSource)
        case .yopo:
            return YOPO(policy: .fixed(n), stepSize: c.alpha, innerSteps: YOPO.referenceInnerSteps)
        case .standard:
            return Standard()
        }
    }

    /// The n·α < ε clause of M+PGD/M+TRADES/M+MART goes with the run the magnitude source
    /// reproduces (docs/methods.md §2.2, §7): the 2021 Table-1 runs summed the last attack step's
    /// gradient and had the clause (their logs cannot be reproduced without it); the reference's
    /// latest code sums the training loss's gradient and has it commented out.
    func minimumBudget(config c: TrainingConfig) -> MPlusController.MinimumBudget? {
        switch c.magnitudeSource {
        case .lastAttackStep: .init(stepSize: c.alpha, epsilon: c.epsilon)
        case .trainingLoss: nil
        }
    }
}
