// TrainingConfig.swift: every setting of a training run, saved in its checkpoints so that
// `deat train --resume DIR` rebuilds exactly the same run. Defaults per dataset follow the paper
// for CIFAR (docs/methods.md §1.2, §2) and deat's own choices for Fashion-MNIST (§8). Settings
// added after checkpoints were first written (`keepEpochs`, `worldSize`, `channelsLast`,
// `autocast`, `convolutions`, `setting`, `lrMilestones`, `overfittingGuard`, `rotation`, `accuracyThreshold`,
// `fatTau`, `noiseScale`, `alignmentWeight`, `weightAveraging`, `labelSmoothing`, `imageSize`,
// `skipBadImages`, `carryPerturbation`) decode to their defaults when an older checkpoint lacks them (`Defaulted`). The
// defaults themselves: TrainingConfig+Recipes.swift.
import DataFormats
import Datasets
import Models
import Torch

/// Every setting of a training run, saved in its checkpoints so that a resume rebuilds exactly the
/// same run. Start from ``TrainingConfig/defaults(method:dataset:epsilon:iterations:setting:model:epochs:)`` and change fields.
public struct TrainingConfig: Codable, Sendable, Equatable {
    /// The training method (`--method`).
    public var method: MethodName
    /// The model to build from the run's seed (or a TorchScript file).
    public var model: ModelKind
    /// The training and validation dataset.
    public var dataset: DatasetName
    /// The directory holding the dataset's files.
    public var dataDirectory: String
    /// Epochs to train.
    public var epochs: Int
    /// Images per minibatch (per process in data-parallel training).
    public var batchSize: Int
    /// L∞ radius in [0, 1] pixel units.
    public var epsilon: Double
    /// Step size in pixel units (see MethodName.make).
    public var alpha: Double
    /// M+ threshold factor γ.
    public var gamma: Double
    /// Replays/attack steps: the cap for M+ and DEAT-d, the fixed count for FREE/PGD/TRADES/MART.
    public var iterations: Int
    /// DEAT-d: one more replay every `linearEvery` epochs.
    public var linearEvery: Int = 3
    /// TRADES and MART: β, the weight of the robustness term of the outer loss.
    public var beta: Double = 6
    /// Which input gradient the attack-step methods report to the M+ rule.
    public var magnitudeSource: MagnitudeSource = .lastAttackStep
    /// The base learning rate, before the schedule.
    public var learningRate: Double
    /// The learning-rate schedule, stepped once per minibatch.
    public var schedule: ScheduleName
    /// SGD momentum.
    public var momentum: Double = 0.9
    /// SGD weight decay (coupled, as `torch.optim.SGD`).
    public var weightDecay: Double = 5e-4
    /// The seed every random draw of the run derives from (initial weights, data order, δ starts).
    public var seed: UInt64 = 0
    /// Train on the first N training images only.
    public var trainSubset: Int?
    /// Random crop + flip (CIFAR's recipe).
    public var augment: Bool
    /// Per-epoch validation on the first N test points: clean and PGD-K with the CW loss.
    public var validationSize: Int = 1000
    /// PGD steps K of the per-epoch validation attack.
    public var validationSteps: Int = 10
    /// Also checkpoint mid-epoch when this many minutes passed since the last checkpoint.
    public var checkpointMinutes: Double = 10
    /// Stop after this many batches in total (tests and SIGKILL experiments); nil: train to the end.
    public var stopAfterBatches: Int?
    /// Also keep the model after every epoch as epoch-N.safetensors (for `deat analyze`).
    @Defaulted<SettingDefaults.Off> public var keepEpochs: Bool = false
    /// Processes that train together (data-parallel, `--nproc-per-node` or a launcher's WORLD_SIZE),
    /// each on its shard of every epoch with `batchSize` images per minibatch. A run resumes only
    /// with the same count: the data order and the random draws depend on it.
    @Defaulted<SettingDefaults.OneProcess> public var worldSize: Int = 1
    /// Channels-last layout for the model and every batch (faster convolutions on GPUs).
    @Defaulted<SettingDefaults.Off> public var channelsLast: Bool = false
    /// Mixed precision for the training steps. Validation and evaluation always run in float32.
    @Defaulted<SettingDefaults.Float32> public var autocast: TrainingPrecision = .fp32
    /// The kernels of the training steps' CPU 3×3 stride-1 convolutions (Torch's ConvolutionAlgorithm);
    /// validation and evaluation always run libtorch's direct ones. `deat train` picks Winograd on the
    /// CPU where the build has it.
    @Defaulted<SettingDefaults.DirectConvolutions> public var convolutions: ConvolutionAlgorithm = .direct
    /// The paper setting whose recipe gave the defaults (TrainingConfig+Recipes.swift).
    @Defaulted<SettingDefaults.StandardSetting> public var setting: TrainingSetting = .standard
    /// Where `multistep` decays by 0.1 (docs/methods.md §2.4).
    @Defaulted<SettingDefaults.TableOneMilestones> public var lrMilestones: LearningRateMilestones = .halfAndFourFifths
    /// fast_adversarial's catastrophic-overfitting check after every epoch (OverfittingGuard.swift).
    @Defaulted<SettingDefaults.Off> public var overfittingGuard: Bool = false
    /// With `augment`: a random rotation by up to ±this many degrees after crop and flip
    /// (RandomRotation(15) in CIFAR-100's standard recipe); 0: none.
    @Defaulted<SettingDefaults.NoRotation> public var rotation: Double = 0
    /// DEAT-p: r rises after an epoch whose training accuracy exceeds this.
    @Defaulted<SettingDefaults.DEATpThreshold> public var accuracyThreshold: Double = 0.4
    /// FAT: attack steps an example keeps taking after it is first misclassified (τ).
    @Defaulted<SettingDefaults.FATTau> public var fatTau: Int = 3
    /// GradAlign: the regulariser's weight λ.
    @Defaulted<SettingDefaults.GradAlignLambda> public var alignmentWeight: Double = 0.2
    /// N-FGSM: the noise is uniform on [−kε, kε] with this k.
    @Defaulted<SettingDefaults.NFGSMNoise> public var noiseScale: Double = 2
    /// The decay of the weights' exponential moving average, updated once per minibatch; validation
    /// and the saved models use the average (WeightAverage.swift, docs/methods.md §2.9). 0: off.
    @Defaulted<SettingDefaults.NoWeightAveraging> public var weightAveraging: Double = 0
    /// Label smoothing of the training loss's cross-entropy, as `F.cross_entropy(label_smoothing=)`;
    /// attacks keep plain cross-entropy (docs/methods.md §2.9). 0: none.
    @Defaulted<SettingDefaults.NoLabelSmoothing> public var labelSmoothing: Double = 0
    /// `--dataset folder`: the side of the square images the transforms make (RandomResizedCrop for
    /// training, Resize + CenterCrop for validation; docs/datasets.md §3).
    @Defaulted<SettingDefaults.ImageNetSide> public var imageSize: Int = 224
    /// `--dataset folder`: leave out (and count) images that cannot be decoded instead of stopping.
    @Defaulted<SettingDefaults.Off> public var skipBadImages: Bool = false
    /// The replay methods carry δ from one minibatch to the next instead of drawing it, as FREE's
    /// and DEAT's ImageNet scripts do (CarriedPerturbation.swift, docs/methods.md §2.11).
    @Defaulted<SettingDefaults.Off> public var carryPerturbation: Bool = false

    /// What the loader does to every training batch of a tensor dataset (an image folder's loader
    /// transforms each image instead: `imageTransform`).
    public var augmentation: Augmentation { augment && dataset != .folder ? .cropFlip(padding: 4, rotation: rotation) : .none }

    /// `--dataset folder`: what is done to each training image (RandomResizedCrop + flip with
    /// `augment`, else the evaluation transform).
    public var imageTransform: ImageTransform { augment ? .randomResizedCrop(size: imageSize) : .evaluation(size: imageSize) }

    /// The learning-rate schedules `--schedule` names.
    public enum ScheduleName: String, Codable, Sendable, CaseIterable {
        /// ×0.1 at each of `lrMilestones` (T/2 and 4T/5 of the iterations in DEAT's Table 1 setting).
        case multistep
        /// 0 → max → 0 linearly over the whole run (fast_adversarial's triangular cycle).
        case cyclic
        case cosine
        case constant
    }
}

/// The precision of the training steps (`deat train --autocast`).
public enum TrainingPrecision: String, Codable, Sendable, CaseIterable {
    /// float32 throughout (no autocast).
    case fp32
    /// bfloat16 autocast: float32's range, so no loss scaling is needed.
    case bf16
    /// float16 autocast: refused for training, since small gradients vanish without loss scaling
    /// (PyTorch's GradScaler), which deat does not do.
    case fp16
}

/// The value a `Defaulted` setting takes when a checkpoint written before it existed lacks it.
public protocol SettingDefault {
    associatedtype Value: Codable, Equatable, Sendable
    static var value: Value { get }
}
/// The defaults `TrainingConfig`'s later settings take.
public enum SettingDefaults {
    /// `false`.
    public enum Off: SettingDefault { public static var value: Bool { false } }
    /// One process (no data parallelism).
    public enum OneProcess: SettingDefault { public static var value: Int { 1 } }
    /// Training in float32.
    public enum Float32: SettingDefault { public static var value: TrainingPrecision { .fp32 } }
    /// libtorch's own (direct) convolution kernels.
    public enum DirectConvolutions: SettingDefault { public static var value: ConvolutionAlgorithm { .direct } }
    /// No rotation augmentation (0 degrees).
    public enum NoRotation: SettingDefault { public static var value: Double { 0 } }
    /// deat-p_cifar10.py's --threshold.
    public enum DEATpThreshold: SettingDefault { public static var value: Double { 0.4 } }
    /// fat_cifar10.py's --tau.
    public enum FATTau: SettingDefault { public static var value: Int { 3 } }
    /// GradAlign's λ at ε = 8/255.
    public enum GradAlignLambda: SettingDefault { public static var value: Double { 0.2 } }
    /// N-FGSM's train.py --unif.
    public enum NFGSMNoise: SettingDefault { public static var value: Double { 2 } }
    /// No weight averaging (decay 0).
    public enum NoWeightAveraging: SettingDefault { public static var value: Double { 0 } }
    /// No label smoothing.
    public enum NoLabelSmoothing: SettingDefault { public static var value: Double { 0 } }
    /// ImageNet's 224 × 224 crops.
    public enum ImageNetSide: SettingDefault { public static var value: Int { 224 } }
}

/// A setting that decodes to `Default.value` when its key is missing, and is encoded as the plain
/// value: old checkpoints resume with the default instead of failing, with no nil/false tri-state.
@propertyWrapper
public struct Defaulted<Default: SettingDefault>: Codable, Equatable, Sendable {
    public var wrappedValue: Default.Value
    public init(wrappedValue: Default.Value) { self.wrappedValue = wrappedValue }
    public init(from decoder: any Decoder) throws { wrappedValue = try Default.Value(from: decoder) }
    public func encode(to encoder: any Encoder) throws { try wrappedValue.encode(to: encoder) }
}

extension KeyedDecodingContainer {
    /// Synthesised `Decodable` calls this for every `Defaulted` property: a missing key is the default.
    public func decode<D>(_ type: Defaulted<D>.Type, forKey key: Key) throws -> Defaulted<D> {
        try decodeIfPresent(type, forKey: key) ?? Defaulted(wrappedValue: D.value)
    }
}
