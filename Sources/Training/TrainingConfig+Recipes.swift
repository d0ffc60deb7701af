// TrainingConfig+Recipes.swift: each method's defaults as its reference script runs it, in the
// paper's two settings (docs/methods.md §2.4–§2.6): the DEAT repository's "standard training"
// scripts for Table 1 (and their WideResNet and CIFAR-100 variants), its "FAST training"
// scripts, and fast_adversarial's train_fgsm.py and train_pgd.py. For Fashion-MNIST and MNIST,
// which no reference trains, deat's own choices (§8) with the setting's schedule.
import DataFormats
import Datasets
import Models

extension TrainingConfig {
    /// The defaults of `method` on `dataset` in `setting`. Values the recipe derives from others
    /// (step sizes from ε and the step count, milestone epochs from the epoch count, the recipe
    /// from the model) follow the `model`, `epochs`, `epsilon` and `iterations` given.
    public static func defaults(
        method: MethodName, dataset: DatasetName, epsilon: Double? = nil, iterations: Int? = nil,
        setting: TrainingSetting = .standard, model: ModelKind? = nil, epochs: Int? = nil
    ) -> TrainingConfig {
        let cifar = dataset == .cifar10 || dataset == .cifar100
        // Image folders take ImageNet's usual radius; no reference recipe trains one (docs/datasets.md §5).
        let epsilon = epsilon ?? (cifar ? 8.0 / 255 : dataset == .folder ? 4.0 / 255 : 0.1)
        // Table 7's scripts replay at most 4 times (n_repeats: 4).
        let iterations = iterations ?? (setting == .imagenet && method.replays ? 4 : method.defaultIterations)
        // mdeat_cifar100.py refuses PreActResNet-18 on CIFAR-100 ("pls use WideResNet").
        // Table 7 trains torchvision's ResNet-50 (configs_mdeat.yml: arch resnet50).
        let model = model ?? (setting == .imagenet ? .resNet50 : dataset == .cifar100 ? .wideResNet(depth: 34, widen: 10) : cifar ? .preActResNet18 : .smallCNN)
        let alpha: Double = switch method {
        case .mplusDEAT, .deat, .deatP: cifar ? 10.0 / 255 : 1.25 * epsilon
        case .free, .nfgsm: epsilon
        case .fgsmRS, .gradAlign: 1.25 * epsilon
        case .amata, .mplusAmata: cifar ? 20.0 / 255 : 2.5 * epsilon  // τ, the total of K(e) steps of τ/K(e)
        case .pgd, .mplusPGD, .trades, .mplusTRADES, .mart, .mplusMART, .fat, .fatTRADES, .fatMART, .mplusFAT:
            cifar ? 2.0 / 255 : 2.5 * epsilon / Double(iterations)
        case .yopo: cifar ? 2.0 / 255 : 2.5 * epsilon / Double(iterations * YOPO.referenceInnerSteps)  // σ of config.py
        case .standard: 0
        }
        var c = TrainingConfig(
            method: method, model: model, dataset: dataset, dataDirectory: "",
            epochs: cifar ? 50 : 10, batchSize: 128, epsilon: epsilon, alpha: alpha, gamma: 1.01, iterations: iterations,
            learningRate: 0.05, schedule: .multistep, trainSubset: nil,
            augment: dataset == .folder || Augmentation.defaultTraining(for: dataset) != .none)
        c.setting = setting
        // train_fgsm.py's early stop; its `--early-stop` flag is off there, on here because a
        // single-step run without it can silently end with a model that PGD breaks completely.
        c.overfittingGuard = method == .fgsmRS || method == .nfgsm || method == .gradAlign
        if method == .gradAlign { c.alignmentWeight = cifar ? GradAlign.cifarLambda(epsilon: epsilon) : 0.2 }
        switch setting {
        case .standard: c.applyStandardRecipe(cifar: cifar)
        case .fast: c.applyFastRecipe(cifar: cifar)
        case .imagenet: c.applyImageNetRecipe(epsilon: epsilon)
        }
        if let epochs { c.epochs = epochs }
        c.lrMilestones = setting == .imagenet
            ? Self.imageNetMilestones(method: method, replays: c.iterations, epochs: c.epochs)
            : Self.milestones(method: method, dataset: dataset, model: model, epochs: c.epochs)
        return c
    }

    /// Table 1's scripts: 50 epochs of lr 0.05 decayed twice, validation on the first 20 test
    /// batches of 128; WideResNet and CIFAR-100 runs: 100 epochs at lr 0.1 (0.05 and α = 2/255 for
    /// FREE, as the repository's WideResNet logs ran it, docs/methods.md §2.1); CIFAR-100 adds
    /// mdeat_cifar100.py's RandomRotation(15) after crop and flip.
    private mutating func applyStandardRecipe(cifar: Bool) {
        guard cifar else { return }
        validationSize = 20 * 128
        if dataset == .cifar100 { rotation = 15 }
        if case .wideResNet = model {
            epochs = 100
            learningRate = method == .free ? 0.05 : 0.1
            if method == .free { alpha = 2.0 / 255 }
        }
        if method == .fgsmRS { useFastAdversarialRecipe() }
        if method == .nfgsm { useNFGSMRecipe() }
        if method == .gradAlign { useGradAlignRecipe() }
    }

    /// The FAST scripts: one triangular cycle over the run, no per-epoch validation (the model
    /// is evaluated once at the end). M+DEAT: 10 epochs, peak 0.1, γ = 1.0, α = 12/255 (1.5ε off
    /// CIFAR); DEAT-d: 12 epochs, d = 3, r ≤ 5; FGSM-RS and PGD: fast_adversarial's 15 epochs,
    /// peak 0.2; methods without a FAST script take M+DEAT's 10 epochs and peak 0.1.
    private mutating func applyFastRecipe(cifar: Bool) {
        schedule = .cyclic
        validationSize = 0
        learningRate = 0.1
        if cifar { epochs = 10 }
        switch method {
        case .mplusDEAT:
            gamma = 1.0
            alpha = cifar ? 12.0 / 255 : 1.5 * epsilon
        case .deat:
            if cifar { epochs = 12 }
            linearEvery = 3
        case .fgsmRS:
            if cifar { useFastAdversarialRecipe() } else { learningRate = 0.2 }
        case .nfgsm:
            if cifar { useNFGSMRecipe() } else { learningRate = 0.2 }
        case .gradAlign:
            if cifar { useGradAlignRecipe() } else { learningRate = 0.2 }
        case .pgd:
            learningRate = 0.2
            if cifar { epochs = 15 }
        default: break
        }
    }

    /// train_fgsm.py: 15 epochs, cyclic 0 → 0.2 → 0.
    private mutating func useFastAdversarialRecipe() {
        (epochs, schedule, learningRate) = (15, .cyclic, 0.2)
    }

    /// Table 7's scripts (configs_mdeat.yml, configs_free.yml; docs/methods.md §2.11): 23 epochs of
    /// batch 256, lr 0.1, weight decay 1e-4; the replay methods carry δ across minibatches (at
    /// most 4 replays, set in `defaults`); M+DEAT steps 6/255 with γ = 1.1, FREE-4 ε. free_imagenet.py runs 90/m
    /// epochs (23 for m = 4).
    private mutating func applyImageNetRecipe(epsilon: Double) {
        (epochs, batchSize, learningRate, weightDecay, schedule) = (23, 256, 0.1, 1e-4, .multistep)
        carryPerturbation = method.replays
        switch method {
        case .mplusDEAT, .deat, .deatP:
            alpha = 1.5 * epsilon  // fgsm_step 6 of clip_eps 4 (6/255 at ε = 4/255)
            gamma = 1.1
        default: break
        }
    }

    /// Where Table 7's scripts decay ×0.1: adjust_learning_rate_mdeat at 1-based epochs 10 and 17
    /// (0-based 9 and 16) for M+DEAT; free_imagenet.py every ⌈30/m⌉ epochs (8 for FREE-4). Other
    /// methods take M+DEAT's. At other lengths the same fractions of 23 epochs.
    static func imageNetMilestones(method: MethodName, replays m: Int, epochs e: Int) -> LearningRateMilestones {
        guard method == .free else { return .epochs([9 * e / 23, 16 * e / 23]) }
        let every = max(Int((30.0 / Double(max(m, 1))).rounded(.up)) * e / 23, 1)
        return .epochs(Array(stride(from: every, to: e, by: every)))
    }

    /// N-FGSM's train.py defaults: 30 epochs, cyclic 0 → 0.2 → 0.
    private mutating func useNFGSMRecipe() {
        (epochs, schedule, learningRate) = (30, .cyclic, 0.2)
    }

    /// GradAlign's CIFAR-10 runs: 30 epochs, cyclic 0 → 0.3 → 0.
    private mutating func useGradAlignRecipe() {
        (epochs, schedule, learningRate) = (30, .cyclic, 0.3)
    }

    /// Where each method's reference script decays a multistep rate (docs/methods.md §2.4).
    /// trades_cifar10.py tests `epoch + 1 >= 25` and mart_cifar10.py `epoch >= 25` with 1-based
    /// epochs: 0-based 23/38 and 24/39 at 50 epochs, scaled to other lengths as ⌊23E/50⌋ and
    /// ⌊38E/50⌋ (the same fraction of the run; keeping the offsets instead would leave a 5-epoch
    /// run one epoch at the full rate). mtrades/mmart_cifar10.py decay at 0-based epochs ≥ E/2 and ≥ 4E/5 (with
    /// any model). The DEAT-style scripts use T/2 and 4T/5 minibatches, T/2 and 3T/4 for a
    /// WideResNet on CIFAR-10 (mdeat_cifar100.py has no such branch); train_fgsm.py T/2 and 3T/4.
    static func milestones(method: MethodName, dataset: DatasetName, model: ModelKind, epochs e: Int) -> LearningRateMilestones {
        let half = (e + 1) / 2, fourFifths = (4 * e + 4) / 5  // ⌈E/2⌉, ⌈4E/5⌉: the first epoch ≥ E/2, ≥ 4E/5
        switch method {
        case .trades: return .epochs([23 * e / 50, 38 * e / 50])
        case .mart: return .epochs([24 * e / 50, 39 * e / 50])
        // YOPO's train.py: MultiStepLR(milestones=[25, 40]) stepped once per epoch.
        case .mplusTRADES, .mplusMART, .yopo: return .epochs([half, fourFifths])
        case .fgsmRS: return .halfAndThreeQuarters
        default:
            if case .wideResNet = model, dataset == .cifar10 { return .halfAndThreeQuarters }
            return .halfAndFourFifths
        }
    }
}
