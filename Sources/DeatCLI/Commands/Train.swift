// Train.swift: `deat train`: adversarial training with DEAT/M+ and the methods it is compared with
// (docs/methods.md), resumable after a kill, logging the paper's accounting per epoch.
import ArgumentParser
import Attacks
import DataFormats
import Datasets
import Foundation
import Models
import NN
import Torch
import Training

struct Train: ParsableCommand {
    static let configuration = CommandConfiguration(
        abstract: "Train a robust classifier (M+DEAT by default) and log the paper's accounting per epoch.",
        discussion: """
            Defaults follow each method's reference script in the paper's setting chosen with --setting, \
            and deat's choices for Fashion-MNIST/MNIST (SmallCNN, ε = 0.1, 10 epochs); options given explicitly win.

            --setting standard (Table 1): CIFAR-10 on PreActResNet-18, 50 epochs, lr 0.05 multistep ×0.1/×0.01 \
            at T/2 and 4T/5 (TRADES at epochs 23/38, MART 24/39, M+TRADES/M+MART at E/2 and 4E/5), validation \
            after every epoch on 2560 test points with the best epoch kept; WideResNet and CIFAR-100 (WideResNet-34-10): \
            100 epochs, lr 0.1 (FREE 0.05, α = 2/255), T/2 and 3T/4 on CIFAR-10.

            --setting fast (the FAST scripts): cyclic lr, no per-epoch validation (evaluate once at the end); \
            M+DEAT 10 epochs, peak 0.1, γ = 1.0, α = 12/255; DEAT-d 12 epochs, d = 3, r ≤ 5; PGD 15 epochs, peak 0.2; \
            others 10 epochs, peak 0.1.

            FGSM-RS runs train_fgsm.py's recipe in both: 15 epochs, cyclic peak 0.2, \
            α = 1.25ε, and its catastrophic-overfitting guard.

            The output directory receives checkpoint.safetensors (resume), \
            model.safetensors, best.safetensors (best validation PGD accuracy) and log.jsonl. \
            A killed run continues with `deat train --resume DIR` and ends with the same weights.

            --config FILE.yaml takes options from a YAML file, keys named as the options without dashes \
            (epochs: 30, lr-milestones: 1/2,4/5); options given on the command line win. Every fresh run \
            writes its resolved options to config.yaml in its output directory: \
            `deat train --config DIR/config.yaml --out NEW_DIR` reruns it.
            """
    )

    @Option(help: "Training method: \(MethodName.allCases.map(\.rawValue).joined(separator: ", ")).") var method: MethodName?
    @Option(help: "The paper's setting whose recipe gives the defaults: standard (Table 1), fast (the FAST scripts) or imagenet (Table 7's scripts, for --dataset folder: ResNet-50, ε = 4/255, δ carried across minibatches, lr 0.1 ×0.1 at epochs 9 and 16, wd 1e-4, batch 256, 23 epochs; M+DEAT step 6/255, γ = 1.1, r ≤ 4) (default: standard).") var setting: TrainingSetting?
    @Option(help: "Carry the perturbation from one minibatch to the next instead of drawing it, as FREE's and the ImageNet scripts do (mplus-deat, deat, deat-p, free only): on or off (default: on in --setting imagenet, off otherwise).") var carryPerturbation: Toggle?
    @Option(help: "Model: small-cnn, preact-resnet18, wide-resnet-34-10, resnet18, resnet50 (torchvision's ImageNet ResNets, for --dataset folder) (default: small-cnn for Fashion-MNIST/MNIST and folders, resnet50 in --setting imagenet, preact-resnet18 for CIFAR).", transform: ModelKind.init(name:)) var model: ModelKind?
    @Option(help: ArgumentHelp(
        "Train a model of your own instead: a TorchScript file, e.g. torch.jit.trace(model.eval(), example).save(path), that takes images in [0, 1] as NCHW, normalises inside and returns logits [N, classes]. Its weights are the starting point; the run keeps it as initial.pt and writes model.pt and best.pt (torch.jit.load reads them) beside the .safetensors files.",
        valueName: "file.pt")) var modelFile: String?
    @Option(help: "Dataset: fashion-mnist, mnist, cifar10, cifar100, or folder: an image folder DIR/train/<class>/*, DIR/val/<class>/* of JPEG and PNG files, as torchvision's ImageFolder (default: fashion-mnist).") var dataset: DatasetName?
    @Option(help: "Directory holding the dataset's files (default: Debian's for Fashion-MNIST).") var dataDir: String?
    @Option(help: ArgumentHelp("--dataset folder: the side of the square training and validation images: RandomResizedCrop(N) + flip for training, Resize(N·256/224) + CenterCrop(N) for validation (default: 224; 64 for Tiny-ImageNet).", valueName: "N")) var imageSize: Int?
    @Flag(help: "--dataset folder: leave out images that cannot be decoded (corrupt, truncated, empty, not JPEG or PNG) and count them per epoch, instead of stopping at the first.") var skipBadImages = false
    @Option(help: "Epochs (default: the setting's; 10 for Fashion-MNIST/MNIST, 50 for CIFAR in standard, 100 with a WideResNet or CIFAR-100).") var epochs: Int?
    @Option(help: "L∞ radius in pixel units, as 8/255 or 0.1 (default: 0.1, or 8/255 for CIFAR).") var eps: Epsilon?
    @Option(help: "Step size in pixel units: DEAT's base step (default 1.25ε, 10/255 on CIFAR, 12/255 for M+DEAT in fast; also DEAT-p's), FREE's and N-FGSM's (ε), FGSM-RS's (1.25ε), the attack step of PGD/TRADES/MART (2.5ε/K, 2/255 on CIFAR), or Amata's total τ split over its K(e) steps (2.5ε, 20/255 on CIFAR).") var alpha: Epsilon?
    @Option(help: "M+ threshold factor γ: the count rises when an epoch's gradient magnitude exceeds the reference (default: 1.01; 1.0 for M+DEAT in fast).") var gamma: Double?
    @Option(help: "Replays or attack steps: the cap for M+, linear DEAT and DEAT-p, Amata's last-epoch count, the count for FREE/PGD/TRADES/MART (default: 8 for DEAT and FREE, 5 for linear DEAT, 4 for DEAT-p, 7 for PGD, 10 for TRADES/MART/Amata).") var iterations: Int?
    @Option(help: "TRADES/MART robustness weight β (default: 6).") var beta: Double?
    @Option(help: ArgumentHelp("DEAT-p: one more replay after an epoch whose training accuracy exceeds this fraction (default: 0.4).", valueName: "p")) var accuracyThreshold: Double?
    @Option(help: ArgumentHelp("N-FGSM: the start is uniform noise in [−kε, kε] (default: 2).", valueName: "k")) var noiseScale: Double?
    @Option(help: ArgumentHelp("GradAlign: the weight λ of the gradient-alignment regulariser (default: the paper's λ for ε on CIFAR, 0.2 at 8/255; 0.2 otherwise).", valueName: "λ")) var gradAlignLambda: Double?
    @Option(help: ArgumentHelp("FAT, F+TRADES, F+MART: attack steps an example keeps taking after it is first misclassified (default: 3).", valueName: "τ")) var fatTau: Int?
    @Option(help: "Which reference run M+PGD/M+TRADES/M+MART reproduce: last-attack-step sums the last attack step's gradient with the n·α < ε clause, as the 2021 Table 1 runs did; training-loss sums the training loss's gradient without the clause, as the DEAT repository's latest code (HEAD) does (default: last-attack-step).") var magnitudeSource: MagnitudeSource?
    @Option(help: "Peak learning rate (default: the setting's; 0.05 in standard, 0.1 with a WideResNet or in fast, 0.2 for FGSM-RS).") var lr: Double?
    @Option(help: "Learning-rate schedule, stepped per minibatch: multistep, cyclic, cosine, constant (default: the setting's; multistep in standard, cyclic in fast and for FGSM-RS).") var lrSchedule: TrainingConfig.ScheduleName?
    @Option(help: "Where multistep decays ×0.1: fractions of the run (1/2,4/5) or 0-based epochs (23,38) (default: the method's reference script's).") var lrMilestones: LearningRateMilestones?
    @Option(help: "The catastrophic-overfitting guard of FGSM-RS (train_fgsm.py): after every epoch, PGD-5 on the epoch's first batch; stop and keep the epoch before when its accuracy drops by more than 0.2: on or off (default: on for the single-step methods fgsm-rs, nfgsm and gradalign, off otherwise).") var overfittingGuard: Toggle?
    @Option(help: ArgumentHelp("Keep an exponential moving average of the weights and BatchNorm buffers, updated after every minibatch as avg = decay·avg + (1 − decay)·w: validation, best.safetensors and model.safetensors use the average while training goes on with the raw weights; e.g. 0.9995 (default: off).", valueName: "decay")) var weightAveraging: Double?
    @Option(help: ArgumentHelp("Label smoothing of the training loss's cross-entropy, as PyTorch's F.cross_entropy(label_smoothing=s); the attacks keep plain cross-entropy (default: 0).", valueName: "s")) var labelSmoothing: Double?
    @Option(help: "SGD momentum (default: 0.9).") var momentum: Double?
    @Option(help: "Weight decay, PyTorch-style coupled (default: 5e-4).") var weightDecay: Double?
    @Option(help: "Minibatch size (default: 128).") var batchSize: Int?
    @Option(help: "Train on the first N training images only (default: all).") var trainSubset: Int?
    @Option(help: "Validate each epoch on the first N test points with clean and PGD-10 (CW loss) accuracy; 0 for none (default: 2560 on CIFAR in standard, 1000 on Fashion-MNIST/MNIST, 0 in fast).") var validationSize: Int?
    @Option(help: "Random crop (padding 4) and horizontal flip, or with --dataset folder RandomResizedCrop + flip: on or off (default: on for CIFAR and folders, off otherwise).") var augment: Toggle?
    @Option(help: ArgumentHelp("With --augment: rotate every training image by a random angle of up to ± this many degrees after crop and flip, as torchvision's RandomRotation on PIL images (nearest, zero corners); 0 for none (default: 15 on CIFAR-100 in standard, as mdeat_cifar100.py; 0 otherwise).", valueName: "degrees")) var rotation: Double?
    @Option(help: "Also checkpoint mid-epoch after this many minutes (default: 10).") var checkpointMinutes: Double?
    @Option(help: "Output directory (default: runs/METHOD-DATASET-seedSEED).") var out: String?
    @Option(help: "Continue the run in this directory from its last checkpoint, with its saved settings.") var resume: String?
    @Flag(help: "Also keep the model after every epoch as epoch-N.safetensors in the output directory (for `deat analyze`).") var keepEpochs = false
    @Flag(help: "Channels-last (NHWC) layout for the model and every batch: faster convolutions on GPUs.") var channelsLast = false
    @Option(help: "Mixed precision for the training steps: fp32 (off) or bf16 (default: fp32). Validation stays float32. fp16 is refused: it needs loss scaling, which bf16's float32 range makes unnecessary.") var autocast: TrainingPrecision?
    @Option(help: "Kernels of the training steps' CPU 3×3 stride-1 convolutions (16+ channels): winograd (oneDNN's Winograd kernels, 2-3× faster on PreActResNet-18's layers; float32 with slightly larger rounding) or direct (libtorch's, as PyTorch eager). Validation and evaluation always run direct (default: winograd on the CPU where this build has it, else direct).") var convolutions: ConvolutionAlgorithm?
    @Option(help: ArgumentHelp(
        "Data-parallel training: start this many worker processes on this machine, each on its share of every epoch with --batch-size images per step, gradients averaged over c10d (as torchrun --nproc-per-node). Workers started by another launcher read WORLD_SIZE, RANK, MASTER_ADDR and MASTER_PORT instead (see README).",
        valueName: "n"))
    var nprocPerNode: Int = 1

    @Option(help: "Process-group backend for data-parallel training: gloo or nccl (default: gloo on CPU, nccl on CUDA).") var distBackend: ProcessGroup.Backend?
    @Option(help: "Seconds a data-parallel collective may wait for the other workers before the run stops with an error.") var distTimeout: Double = 1800
    @Option(help: .hidden) var stopAfterBatches: Int?
    @OptionGroup var runtime: RuntimeOptions

    enum Toggle: String, ExpressibleByArgument { case on, off }

    func validate() throws {
        if resume != nil {
            let given: [(String, Bool)] = [
                ("--method", method != nil), ("--model", model != nil), ("--model-file", modelFile != nil), ("--dataset", dataset != nil), ("--epochs", epochs != nil),
                ("--eps", eps != nil), ("--alpha", alpha != nil), ("--gamma", gamma != nil), ("--iterations", iterations != nil),
                ("--beta", beta != nil), ("--accuracy-threshold", accuracyThreshold != nil), ("--noise-scale", noiseScale != nil),
                ("--fat-tau", fatTau != nil), ("--grad-align-lambda", gradAlignLambda != nil),
                ("--lr", lr != nil), ("--lr-schedule", lrSchedule != nil), ("--batch-size", batchSize != nil),
                ("--train-subset", trainSubset != nil), ("--out", out != nil), ("--augment", augment != nil),
                ("--rotation", rotation != nil), ("--carry-perturbation", carryPerturbation != nil), ("--momentum", momentum != nil), ("--weight-decay", weightDecay != nil), ("--validation-size", validationSize != nil),
                ("--magnitude-source", magnitudeSource != nil), ("--data-dir", dataDir != nil), ("--setting", setting != nil),
                ("--lr-milestones", lrMilestones != nil), ("--overfitting-guard", overfittingGuard != nil),
                ("--channels-last", channelsLast), ("--autocast", autocast != nil), ("--convolutions", convolutions != nil),
                ("--weight-averaging", weightAveraging != nil), ("--label-smoothing", labelSmoothing != nil),
                ("--image-size", imageSize != nil), ("--skip-bad-images", skipBadImages),
            ]
            if let (flag, _) = given.first(where: \.1) {
                throw ValidationError("--resume continues a run with its saved settings; drop \(flag)")
            }
        }
        if let epochs, epochs < 1 { throw ValidationError("--epochs must be at least 1") }
        if let batchSize, batchSize < 1 { throw ValidationError("--batch-size must be at least 1") }
        if let iterations, iterations < 1 { throw ValidationError("--iterations must be at least 1") }
        if let gamma, !(gamma > 0) { throw ValidationError("--gamma must be positive") }
        if let lr, !(lr > 0 && lr.isFinite) { throw ValidationError("--lr must be a positive number") }
        for (flag, value) in [("--beta", beta), ("--momentum", momentum), ("--weight-decay", weightDecay), ("--checkpoint-minutes", checkpointMinutes)] {
            if let value, !(value >= 0 && value.isFinite) { throw ValidationError("\(flag) must be a number ≥ 0, got \(value)") }
        }
        if let trainSubset, trainSubset < 1 { throw ValidationError("--train-subset must be at least 1") }
        if let validationSize, validationSize < 0 { throw ValidationError("--validation-size must not be negative") }
        if let accuracyThreshold, !(0...1).contains(accuracyThreshold) {
            throw ValidationError("--accuracy-threshold must be a fraction between 0 and 1, got \(accuracyThreshold)")
        }
        if let gradAlignLambda, !(gradAlignLambda >= 0 && gradAlignLambda.isFinite) {
            throw ValidationError("--grad-align-lambda must be a number ≥ 0, got \(gradAlignLambda)")
        }
        if let fatTau, fatTau < 0 { throw ValidationError("--fat-tau must not be negative, got \(fatTau)") }
        if let noiseScale, !(noiseScale >= 0 && noiseScale.isFinite) { throw ValidationError("--noise-scale must be a number ≥ 0, got \(noiseScale)") }
        if let weightAveraging, !(weightAveraging > 0 && weightAveraging < 1) {
            throw ValidationError("--weight-averaging is the average's decay and must be between 0 and 1 (both excluded), got \(weightAveraging)")
        }
        if let labelSmoothing, !(labelSmoothing >= 0 && labelSmoothing < 1) {
            throw ValidationError("--label-smoothing must be at least 0 and below 1, got \(labelSmoothing)")
        }
        if let imageSize, !(1...4096).contains(imageSize) {
            throw ValidationError("--image-size must be between 1 and 4096 pixels, got \(imageSize)")
        }
        if resume == nil, dataset != .folder {
            if imageSize != nil { throw ValidationError("--image-size applies to --dataset folder only") }
            if skipBadImages { throw ValidationError("--skip-bad-images applies to --dataset folder only") }
        }
        if dataset == .folder, let rotation, rotation > 0 {
            throw ValidationError("--rotation rotates tensor datasets' images; --dataset folder augments with RandomResizedCrop + flip")
        }
        if let rotation, !(0...180).contains(rotation) { throw ValidationError("--rotation must be between 0 and 180 degrees, got \(rotation)") }
        let augments = augment.map { $0 == .on } ?? (dataset == .folder || Augmentation.defaultTraining(for: dataset ?? .fashionMNIST) != .none)
        if let rotation, rotation > 0, !augments {
            throw ValidationError("--rotation rotates augmented images, and this run has none; add --augment on")
        }
        if let eps, eps.value == 0, method != .standard { throw ValidationError("--eps must be positive for adversarial training") }
        if autocast == .fp16 {
            // float16's range needs the loss scaled (PyTorch's GradScaler) or small gradients vanish.
            throw ValidationError("--autocast fp16 needs loss scaling, which deat's training does not do; use bf16")
        }
        if carryPerturbation == .on, !(method ?? .mplusDEAT).replays {
            throw ValidationError("--carry-perturbation carries the δ of the replay methods (mplus-deat, deat, deat-p, free); \((method ?? .mplusDEAT).rawValue) draws its own")
        }
        if carryPerturbation == .on, nprocPerNode > 1 {
            throw ValidationError("--carry-perturbation is not yet supported with --nproc-per-node; train in one process")
        }
        if model != nil, modelFile != nil { throw ValidationError("--model and --model-file both name the model; give one") }
        if let model, model.isTorchScript { throw ValidationError("a TorchScript model is given with --model-file \(model.description.dropFirst("torchscript:".count))") }
        if nprocPerNode < 1 { throw ValidationError("--nproc-per-node must be at least 1") }
        if nprocPerNode > 1, ProcessInfo.processInfo.environment["WORLD_SIZE"] != nil {
            throw ValidationError("--nproc-per-node starts its own workers; drop it when a launcher sets WORLD_SIZE")
        }
        if !(distTimeout > 0) { throw ValidationError("--dist-timeout must be a positive number of seconds") }
    }

    /// The run's settings: defaults for the method and dataset, overridden by the options given.
    func makeConfig() throws -> TrainingConfig {
        let name = dataset ?? .fashionMNIST
        // The model and epochs go into the recipe: a WideResNet has its own, and milestone epochs follow E.
        var c = TrainingConfig.defaults(
            method: method ?? .mplusDEAT, dataset: name, epsilon: eps?.value, iterations: iterations, setting: setting ?? .standard,
            model: modelFile.map { .torchScript(file: URL(fileURLWithPath: $0).standardizedFileURL.path) } ?? model, epochs: epochs)
        c.dataDirectory = dataDir ?? name.defaultDirectory ?? ""
        if let alpha { c.alpha = alpha.value }
        if let gamma { c.gamma = gamma }
        if let beta { c.beta = beta }
        if let accuracyThreshold { c.accuracyThreshold = accuracyThreshold }
        if let noiseScale { c.noiseScale = noiseScale }
        if let fatTau { c.fatTau = fatTau }
        if let gradAlignLambda { c.alignmentWeight = gradAlignLambda }
        if let magnitudeSource { c.magnitudeSource = magnitudeSource }
        if let lr { c.learningRate = lr }
        if let lrSchedule { c.schedule = lrSchedule }
        if let lrMilestones { c.lrMilestones = lrMilestones }
        if let overfittingGuard { c.overfittingGuard = overfittingGuard == .on }
        if let weightAveraging { c.weightAveraging = weightAveraging }
        if let labelSmoothing { c.labelSmoothing = labelSmoothing }
        if let momentum { c.momentum = momentum }
        if let weightDecay { c.weightDecay = weightDecay }
        if let batchSize { c.batchSize = batchSize }
        c.trainSubset = trainSubset
        if let validationSize { c.validationSize = validationSize }
        if let augment { c.augment = augment == .on }
        if let rotation { c.rotation = rotation }
        if let carryPerturbation { c.carryPerturbation = carryPerturbation == .on }
        if let imageSize { c.imageSize = imageSize }
        c.skipBadImages = skipBadImages
        if let checkpointMinutes { c.checkpointMinutes = checkpointMinutes }
        c.channelsLast = channelsLast
        if let autocast { c.autocast = autocast }
        c.convolutions = convolutions ?? .fastest(on: runtime.device.device())
        c.seed = runtime.seed
        return c
    }

    func run() throws {
        let worker = try WorkerEnvironment.current()
        let worldSize = worker?.worldSize ?? nprocPerNode
        let directory: URL
        var config: TrainingConfig
        if let resume {
            directory = URL(fileURLWithPath: resume)
            config = try RunFiles.savedConfig(in: directory)
            let saved = config.worldSize
            guard saved == worldSize else {
                throw CLIError("\(resume) was trained by \(saved) process(es) and resumes only with as many (--nproc-per-node \(saved)); the data order depends on it")
            }
        } else {
            config = try makeConfig()
            config.worldSize = worldSize
            directory = URL(fileURLWithPath: out ?? "runs/\(config.method.rawValue)-\(config.dataset.rawValue)-seed\(config.seed)")
            // Rank 0 alone owns the directory; the others may start after it has written to it.
            if worker?.rank ?? 0 == 0,
               FileManager.default.fileExists(atPath: directory.appendingPathComponent("checkpoint.safetensors").path) {
                throw CLIError("\(directory.path) already holds a run; continue it with --resume \(directory.path) or choose another --out")
            }
        }
        if nprocPerNode > 1 {
            try LocalLauncher(
                processes: nprocPerNode,
                arguments: LocalLauncher.workerArguments(
                    Array(CommandLine.arguments.dropFirst()), processes: nprocPerNode, cores: ProcessInfo.processInfo.activeProcessorCount),
                resumeHint: "Continue with: deat train --resume \(directory.path) --nproc-per-node \(nprocPerNode)"
            ).run()
            return
        }
        let device = try runtime.apply(localRank: worker?.localRank ?? 0)  // plain `cuda`: one GPU per local worker
        if let checkpointMinutes { config.checkpointMinutes = checkpointMinutes }
        if keepEpochs { config.keepEpochs = true }  // may be switched on when resuming
        config.stopAfterBatches = stopAfterBatches
        let group = try worker?.join(device: device, backend: distBackend, timeout: distTimeout)
        do {
            let run = try TrainingRun(config: config, directory: directory, device: device, group: group)
            if resume == nil, worker?.rank ?? 0 == 0 {
                // A fresh run's settings as a config file that reruns it (docs/architecture.md §9.5).
                try resolvedConfig(config, directory: directory).write(
                    to: directory.appendingPathComponent("config.yaml"),
                    rerunHint: "deat train --config \(directory.appendingPathComponent("config.yaml").path) --out NEW_DIR")
            }
            try TrainingOutput(run: run, directory: directory, device: device, group: group).train()
        } catch {
            guard let worker else { throw error }
            throw CLIError("rank \(worker.rank): \(oneLine(error))")
        }
    }
}
