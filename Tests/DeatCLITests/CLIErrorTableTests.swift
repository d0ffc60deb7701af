// CLIErrorTableTests.swift: every subcommand given what it cannot use (missing or unknown
// options, contradictory ones, ε out of range, a model on the wrong dataset, an output directory it
// cannot write, missing or corrupt files) answers with one clear line naming it and a non-zero exit,
// never a crash trace. One row per case. A row is a command line that works (the same line without
// the row's change is run too, and must succeed) with one thing changed, so it can fail for no
// other reason. The fixtures are tiny MNIST- and CIFAR-format files written here from a fixed seed,
// so the table runs without any installed dataset.
import Foundation
import Testing
import TestSupport

/// A command line that works, with one thing changed: `changes` set options (each replacing the
/// working line's value of the option it names) or arguments, or `removed` leaves one out.
/// `$D` is the fixture directory, `$M` and `$C` its models, `$O` a fresh directory of the row's own,
/// `$T` the TorchScript files of scripts/fixtures/gen_torchscript.py.
struct CLILine: Sendable {
    let arguments: [String]
    /// What the row changed in the working line, as written in the table.
    let changes: [String]
    /// The option or argument the row leaves out (`--input`, `<model>`).
    let removed: String?
    /// False for rows given as plain arguments, whose working line is not known.
    let derived: Bool

    /// `base` with `changes` applied and the option `removed` (with its value) left out.
    init(_ base: [String], changing changes: [String] = [], removing removed: String? = nil) {
        let dropped = Set(changes.filter { $0.hasPrefix("--") } + (removed.map { [$0] } ?? []))
        var kept: [String] = []
        var index = base.startIndex
        while index < base.endIndex {
            if dropped.contains(base[index]) {
                index += index + 1 < base.endIndex && !base[index + 1].hasPrefix("--") ? 2 : 1
                continue
            }
            kept.append(base[index])
            index += 1
        }
        (arguments, self.changes, self.removed, derived) = (kept + changes, changes, removed, true)
    }

    init(literal arguments: [String]) {
        (self.arguments, changes, removed, derived) = (arguments, [], nil, false)
    }

    /// The same line without the row's change: it must work.
    var isWorking: Bool { changes.isEmpty && removed == nil }

    /// SmallCNN-sized adversarial training on the MNIST-format fixture: one epoch of two minibatches.
    static func train(_ changes: String...) -> CLILine {
        CLILine(["train", "--dataset", "mnist", "--data-dir", "$D/mnist", "--method", "fgsm-rs", "--epochs", "1", "--batch-size", "8",
                 "--validation-size", "4", "--out", "$O"], changing: changes)
    }

    /// `$D/run` is a finished run: resuming it says so and changes nothing.
    static func resume(run: String = "$D/run", _ changes: String...) -> CLILine {
        let line = CLILine(["train", "--resume", run], changing: changes)
        return run == "$D/run" ? line : CLILine(arguments: line.arguments, changes: [run] + changes, removed: nil)
    }

    static func eval(model: String? = "$M", _ changes: String...) -> CLILine {
        positional(["eval"], model, default: "$M", name: "<model>",
                   ["--dataset", "mnist", "--data-dir", "$D/mnist", "--attacks", "fgsm", "--n", "4", "--batch-size", "4", "--report", "$O/e.json"],
                   changes)
    }

    static func predict(model: String? = "$M", without removed: String? = nil, _ changes: String...) -> CLILine {
        let line = positional(["predict"], model, default: "$M", name: "<model>",
                              ["--input", "$D/gray.safetensors", "--output", "$O/l.safetensors"], changes)
        return removed.map { CLILine(line.arguments, removing: $0) } ?? line
    }

    static func info(file: String? = "$M", _ changes: String...) -> CLILine {
        positional(["info"], file, default: "$M", name: "<checkpoint>", [], changes)
    }

    static func analyze(checkpoint: String? = "$M", _ changes: String...) -> CLILine {
        positional(["analyze"], checkpoint, default: "$M", name: "<checkpoints>",
                   ["--dataset", "mnist", "--data-dir", "$D/mnist", "--n", "4", "--pgd-steps", "1", "--power-iterations", "1",
                    "--out", "$O/a.json"], changes)
    }

    static func report(directory: String? = "$D/cifar-run", _ changes: String...) -> CLILine {
        positional(["report"], directory, default: "$D/cifar-run", name: "<directories>", ["--out", "$O"], changes)
    }

    /// Clean training of two minibatches on the MNIST-format fixture (demo reads any IDX files).
    static func demo(_ changes: String...) -> CLILine {
        CLILine(["demo", "--data-dir", "$D/mnist", "--test-subset", "4", "--batch-size", "8"], changing: changes)
    }

    static func doctor(_ changes: String...) -> CLILine {
        CLILine(["doctor", "--input-shape", "2,1,28,28", "--device", "cpu"], changing: changes)
    }

    /// `command` with its positional argument `value` (nil: left out), then `options`, then `changes`.
    private static func positional(_ command: [String], _ value: String?, default usual: String, name: String, _ options: [String],
                                   _ changes: [String]) -> CLILine {
        let base = command + (value.map { [$0] } ?? []) + options
        let line = CLILine(base, changing: changes, removing: value == nil ? name : nil)
        guard let value, value != usual else { return line }
        return CLILine(arguments: line.arguments, changes: [value] + changes, removed: nil)
    }

    private init(arguments: [String], changes: [String], removed: String?) {
        (self.arguments, self.changes, self.removed, derived) = (arguments, changes, removed, true)
    }
}

/// One row: the command line, how deat must fail, and what its line says.
struct CLIErrorCase: CustomStringConvertible, Sendable {
    enum Kind: Sendable {
        /// Refused while parsing: argument-parser's `Error: …` line then its usage, exit 64.
        case usage
        /// Refused while running: exactly one `error: …` line, exit 1.
        case runtime
    }
    let line: CLILine
    let kind: Kind
    let expected: String
    /// What the line must name, when not the option or value the row changes.
    let named: [String]?
    var arguments: [String] { line.arguments }
    var description: String { "deat " + arguments.joined(separator: " ") }

    init(_ line: CLILine, _ kind: Kind, _ expected: String, names named: [String]? = nil) {
        (self.line, self.kind, self.expected, self.named) = (line, kind, expected, named)
    }

    init(_ arguments: [String], _ kind: Kind, _ expected: String) {
        self.init(CLILine(literal: arguments), kind, expected)
    }

    /// The words of which the error line must hold one: the option the row sets, the value it gives
    /// (a file by its name, or by the part of its path that is wrong), or what it leaves out. Empty
    /// for literal rows.
    func names(_ substitute: (String) -> String) -> [String] {
        if let named { return named.map(substitute) }
        if let removed = line.removed { return [removed] }
        var result = line.changes.first { $0.hasPrefix("--") }.map { [$0] } ?? []
        guard let last = line.changes.last, !last.isEmpty, !last.hasPrefix("--") else { return result }
        result.append(last)
        if last.contains("/") || last.hasPrefix("$") {
            result.append(URL(fileURLWithPath: substitute(last)).lastPathComponent)
            // $D/afile/e.json: the line may name $D/afile, the part that is not a directory.
            let parts = last.split(separator: "/").map(String.init)
            if parts.first == "$D" { result += (2..<parts.count).map { parts[..<$0].joined(separator: "/") } }
        }
        return result.map(substitute)
    }
}

@Suite("deat command line: the error table")
struct CLIErrorTableTests {
    /// `$M`: a 1-channel 10-class SmallCNN (trained on the MNIST-format fixture); `$C`: a 3-channel
    /// 10-class PreActResNet-18 (CIFAR-10 fixture).
    static let cases: [CLIErrorCase] = [
        // train
        .init(.train("--bogus"), .usage, "Unknown option '--bogus'"),
        .init(.train("--epochs"), .usage, "Missing value for '--epochs <epochs>'"),
        .init(.train("--epochs", "0"), .usage, "--epochs must be at least 1"),
        .init(.train("--method", "bogus"), .usage, "The value 'bogus' is invalid for '--method <method>'"),
        .init(.train("--model", "resnet51"), .usage, "unknown model 'resnet51'"),
        .init(.train("--eps", "-0.1"), .usage, "The value '-0.1' is invalid for '--eps <eps>'"),
        .init(.train("--eps", "1.5"), .usage, "The value '1.5' is invalid for '--eps <eps>'"),
        .init(.train("--eps", "2"), .usage, "The value '2' is invalid for '--eps <eps>'"),
        .init(.train("--eps", "8/0"), .usage, "The value '8/0' is invalid for '--eps <eps>'"),
        .init(.train("--eps", "nan"), .usage, "The value 'nan' is invalid for '--eps <eps>'"),
        .init(.train("--eps", "abc"), .usage, "The value 'abc' is invalid for '--eps <eps>'"),
        .init(.train("--eps", "0"), .usage, "--eps must be positive for adversarial training"),
        .init(.train("--alpha", "-1"), .usage, "The value '-1' is invalid for '--alpha <alpha>'"),
        .init(.train("--gamma", "-1"), .usage, "--gamma must be positive"),
        .init(.train("--iterations", "0"), .usage, "--iterations must be at least 1"),
        .init(.train("--lr", "-1"), .usage, "--lr must be a positive number"),
        .init(.train("--lr-schedule", "weekly"), .usage, "The value 'weekly' is invalid for '--lr-schedule <lr-schedule>'"),
        .init(.train("--setting", "quick"), .usage, "The value 'quick' is invalid for '--setting <setting>'"),
        .init(.train("--lr-milestones", "1/2,30"), .usage, "The value '1/2,30' is invalid for '--lr-milestones <lr-milestones>'"),
        .init(.train("--lr-milestones", "3/2"), .usage, "The value '3/2' is invalid for '--lr-milestones <lr-milestones>'"),
        .init(.train("--overfitting-guard", "maybe"), .usage, "The value 'maybe' is invalid for '--overfitting-guard <overfitting-guard>'"),
        .init(.train("--rotation", "200"), .usage, "--rotation must be between 0 and 180 degrees, got 200.0"),
        .init(.train("--rotation", "15"), .usage, "--rotation rotates augmented images, and this run has none; add --augment on"),
        .init(.train("--accuracy-threshold", "1.5"), .usage, "--accuracy-threshold must be a fraction between 0 and 1, got 1.5"),
        .init(.train("--noise-scale", "-1"), .usage, "--noise-scale must be a number ≥ 0, got -1.0"),
        .init(.train("--fat-tau", "-1"), .usage, "--fat-tau must not be negative, got -1"),
        .init(.train("--grad-align-lambda", "inf"), .usage, "--grad-align-lambda must be a number ≥ 0, got inf"),
        .init(.train("--weight-averaging", "1"), .usage, "--weight-averaging is the average's decay and must be between 0 and 1 (both excluded), got 1.0"),
        .init(.train("--weight-averaging", "0"), .usage, "--weight-averaging is the average's decay and must be between 0 and 1 (both excluded), got 0.0"),
        .init(.train("--label-smoothing", "1"), .usage, "--label-smoothing must be at least 0 and below 1, got 1.0"),
        .init(.train("--label-smoothing", "-0.1"), .usage, "--label-smoothing must be at least 0 and below 1, got -0.1"),
        .init(.train("--momentum", "nan"), .usage, "--momentum must be a number ≥ 0, got nan"),
        .init(.train("--checkpoint-minutes", "-5"), .usage, "--checkpoint-minutes must be a number ≥ 0"),
        .init(.train("--autocast", "fp16"), .usage, "--autocast fp16 needs loss scaling"),
        .init(.resume("--method", "pgd"), .usage, "--resume continues a run with its saved settings; drop --method"),
        .init(.resume("--epochs", "2"), .usage, "--resume continues a run with its saved settings; drop --epochs"),
        .init(.resume("--momentum", "0.5"), .usage, "--resume continues a run with its saved settings; drop --momentum"),
        .init(.resume("--channels-last"), .usage, "--resume continues a run with its saved settings; drop --channels-last"),
        .init(.resume("--convolutions", "direct"), .usage, "--resume continues a run with its saved settings; drop --convolutions"),
        .init(.train("--convolutions", "fast"), .usage, "Please provide one of 'direct' and 'winograd'"),
        .init(.resume("--setting", "fast"), .usage, "--resume continues a run with its saved settings; drop --setting"),
        .init(.resume("--rotation", "15"), .usage, "--resume continues a run with its saved settings; drop --rotation"),
        .init(.resume("--fat-tau", "2"), .usage, "--resume continues a run with its saved settings; drop --fat-tau"),
        .init(.resume("--weight-averaging", "0.999"), .usage, "--resume continues a run with its saved settings; drop --weight-averaging"),
        .init(.resume("--label-smoothing", "0.1"), .usage, "--resume continues a run with its saved settings; drop --label-smoothing"),
        .init(.resume(run: "$D/nothing"), .runtime, "$D/nothing/checkpoint.safetensors does not exist: nothing to resume"),
        // The message names the checkpoint file, not the directory holding it.
        .init(.resume(run: "$D/corrupt-run"), .runtime, "checkpoint.safetensors: header length", names: ["checkpoint.safetensors"]),
        .init(.resume(run: "$D/afile"), .runtime, "cannot write into $D/afile: it is a file, not a directory"),
        .init(.train("--out", "$D/run"), .runtime, "$D/run already holds a run; continue it with --resume $D/run"),
        .init(.train("--dataset", "cifar10"), .runtime, "$D/mnist: no CIFAR-10 train data found", names: ["CIFAR-10"]),
        .init(.train("--data-dir", "$D/nodata"), .runtime, "$D/nodata/train-images-idx3-ubyte.gz: no such file"),
        // Image folders: the layout, then the images.
        .init(.train("--dataset", "folder", "--data-dir", "$D/nodata"), .runtime, "$D/nodata/train: no such directory"),
        .init(.train("--dataset", "folder", "--data-dir", "$D/folder-no-classes"), .runtime, "$D/folder-no-classes/train: no class folders in it"),
        .init(.train("--dataset", "folder", "--data-dir", "$D/folder-empty-class"), .runtime,
              "$D/folder-empty-class/train/dog: class folder holds no image file"),
        .init(.train("--dataset", "folder", "--data-dir", "$D/folder-truncated"), .runtime, "$D/folder-truncated/train/cat/2.png: truncated PNG"),
        .init(.train("--dataset", "folder", "--data-dir", "$D/folder-empty-file"), .runtime, "$D/folder-empty-file/train/cat/0.jpg: empty file"),
        .init(.train("--dataset", "folder", "--data-dir", "$D/folder-not-image"), .runtime, "$D/folder-not-image/train/cat/a.jpeg: not a JPEG or PNG image"),
        .init(.train("--image-size", "0"), .usage, "--image-size must be between 1 and 4096 pixels, got 0"),
        .init(.train("--image-size", "64"), .usage, "--image-size applies to --dataset folder only"),
        .init(.train("--skip-bad-images"), .usage, "--skip-bad-images applies to --dataset folder only"),
        .init(.train("--dataset", "folder", "--data-dir", "$D/folder", "--rotation", "15"), .usage,
              "--rotation rotates tensor datasets' images; --dataset folder augments with RandomResizedCrop + flip", names: ["--rotation"]),
        .init(.resume("--image-size", "64"), .usage, "--resume continues a run with its saved settings; drop --image-size"),
        .init(.train("--data-dir", "$D/corrupt-mnist"), .runtime, "$D/corrupt-mnist/train-images-idx3-ubyte: not an IDX file"),
        .init(.train("--model", "preact-resnet18"), .runtime, "preact-resnet18 needs 32×32 images"),
        .init(.train("--carry-perturbation", "on", "--method", "pgd"), .usage,
              "--carry-perturbation carries the δ of the replay methods (mplus-deat, deat, deat-p, free); pgd draws its own"),
        .init(.train("--carry-perturbation", "on", "--method", "free", "--nproc-per-node", "2"), .usage,
              "--carry-perturbation is not yet supported with --nproc-per-node; train in one process"),
        .init(.train("--setting", "imagenet2"), .usage, "The value 'imagenet2' is invalid for '--setting <setting>'"),
        .init(.resume("--carry-perturbation", "off"), .usage, "--resume continues a run with its saved settings; drop --carry-perturbation"),
        .init(.train("--model-file", "$T/cnn.pt", "--model", "small-cnn"), .usage, "--model and --model-file both name the model; give one"),
        .init(.train("--model-file", "$D/missing.pt"), .runtime, "$D/missing.pt does not exist"),
        .init(.train("--model-file", "$T/rgb.pt"), .runtime,
              "rgb.pt takes 3-channel images (its first convolution, conv1.weight) but mnist has 1-channel ones"),
        .init(.train("--model-file", "$T/rgb.pt", "--dataset", "cifar100", "--data-dir", "$D/cifar100"), .runtime,
              "rgb.pt has 10 classes but cifar100 has 100; give the model a last layer with 100 outputs before saving it"),
        .init(.train("--model-file", "$T/cnn-scripted.pt", "--method", "yopo"), .runtime,
              "yopo needs a model that exposes its first layer (small-cnn, preact-resnet18, wide-resnet, resnet18/50); ScriptedModel does not"),
        .init(.train("--model-file", "$T/tuple.pt"), .runtime, "tuple.pt: forward returns a tuple, not one tensor of logits"),
        .init(.train("--model-file", "$T/state-dict.pt"), .runtime,
              "state-dict.pt was written by torch.save (a pickled nn.Module or a state_dict), not TorchScript; make one with torch.jit.trace"),
        .init(.resume("--model-file", "$T/cnn.pt"), .usage, "--resume continues a run with its saved settings; drop --model-file"),
        .init(.train("--out", "$D/afile"), .runtime, "cannot write into $D/afile: it is a file, not a directory"),
        .init(.train("--out", "$D/afile/run"), .runtime, "cannot write into $D/afile/run: $D/afile is a file, not a directory"),
        // eval
        .init(.eval(model: nil), .usage, "Missing expected argument '<model>'"),
        .init(.eval("--bogus"), .usage, "Unknown option '--bogus'"),
        .init(.eval("--eps", "-0.1"), .usage, "The value '-0.1' is invalid for '--eps <eps>'"),
        .init(.eval("--eps", "2"), .usage, "The value '2' is invalid for '--eps <eps>'"),
        // A bare 8 is almost always a forgotten /255.
        .init(.eval("--eps", "8"), .usage, "The value '8' is invalid for '--eps <eps>'"),
        .init(.eval("--eps", "nan"), .usage, "The value 'nan' is invalid for '--eps <eps>'"),
        .init(.eval("--eps", "abc"), .usage, "The value 'abc' is invalid for '--eps <eps>'"),
        .init(.eval("--n", "0"), .usage, "--n must be at least 1"),
        .init(.eval("--cw-kappa", "nan"), .usage, "--cw-kappa must be a number ≥ 0, got nan"),
        .init(.eval("--attacks", ""), .usage, "--attacks names no attack"),
        .init(.eval("--norm", "L3"), .usage, "The value 'L3' is invalid for '--norm <norm>'"),
        .init(.eval("--norm", "L2"), .usage, "--norm L2: fgsm is not offered under L2; use pgd-STEPS"),
        // The working line with aa-standard, the default attack set; the row changes only --norm.
        .init(.eval("--attacks", "aa-standard", "--norm", "L2"), .usage, "--norm L2: aa-standard is not offered under L2; use aa-apgd-ce+t",
              names: ["--norm"]),
        .init(.eval("--dataset", "imagenet"), .usage, "The value 'imagenet' is invalid for '--dataset <dataset>'"),
        .init(.eval("--report", "$M"), .usage, "--report and the model are the same file, $M"),
        .init(.eval("--report", "$D/r.json", "--state", "$D/./r.json"), .usage, "--state and --report are the same file, $D/r.json"),
        .init(.eval("--device", "tpu"), .usage, "The value 'tpu' is invalid for '--device <device>': unknown device 'tpu'"),
        .init(.eval("--attacks", "pgd-x"), .usage, "--attacks: unknown attack 'pgd-x'"),
        .init(.eval(model: "$D/missing.safetensors"), .runtime, "missing.safetensors: reading $D/missing.safetensors failed: no such file"),
        .init(.eval(model: "$D/garbage.safetensors"), .runtime, "garbage.safetensors: header length 3199076778277757287 exceeds the 100000000-byte limit; not a safetensors file or corrupt"),
        .init(.eval(model: "$D/empty.safetensors"), .runtime, "empty.safetensors: file has 0 bytes, fewer than the 8-byte header length"),
        .init(.eval(model: "$D/truncated.safetensors"), .runtime, "file truncated?"),
        .init(.eval("--dataset", "cifar10", "--data-dir", "$D/cifar10"), .runtime,
              "m.safetensors takes 1-channel images but cifar10 has 3-channel ones"),
        .init(.eval(model: "$C"), .runtime, "c.safetensors takes 3-channel images but mnist has 1-channel ones"),
        .init(.eval(model: "$C", "--attacks", "apgd-dlr", "--dataset", "cifar100", "--data-dir", "$D/cifar100"), .runtime,
              "c.safetensors has 10 classes but cifar100 has 100"),
        .init(.eval(model: "$T/rgb.pt"), .runtime, "rgb.pt takes 3-channel images (its first convolution, conv1.weight) but mnist has 1-channel ones"),
        .init(.eval(model: "$T/tuple.pt"), .runtime, "tuple.pt: forward returns a tuple, not one tensor of logits"),
        .init(.eval(model: "$T/dict.pt"), .runtime, "dict.pt: forward returns a dict, not one tensor of logits"),
        .init(.eval(model: "$T/features.pt"), .runtime, "features.pt returned shape [2, 8, 14, 14] for a batch of [2, 1, 28, 28]; deat needs logits [batch, classes]"),
        .init(.eval(model: "$T/pickled-module.pt"), .runtime,
              "pickled-module.pt was written by torch.save (a pickled nn.Module or a state_dict), not TorchScript; make one with torch.jit.trace"),
        .init(.eval(model: "$D/mnist/train-labels-idx1-ubyte"), .runtime, "train-labels-idx1-ubyte: header length"),
        .init(.eval("--data-dir", "$D/nodata"), .runtime, "$D/nodata/t10k-images-idx3-ubyte.gz: no such file"),
        .init(.eval("--report", "$D/afile/e.json"), .runtime, "cannot write into $D/afile: it is a file, not a directory"),
        .init(.eval("--save-adversarial", "$D/adv.pt"), .usage, "--save-adversarial must name a .safetensors file, got $D/adv.pt"),
        .init(.eval("--save-adversarial", "$M"), .usage, "--save-adversarial and the model are the same file, $M"),
        .init(.eval("--save-adversarial", "$D/afile/adv.safetensors"), .runtime, "cannot write into $D/afile: it is a file, not a directory"),
        // predict
        .init(.predict(model: nil), .usage, "Missing expected argument '<model>'"),
        .init(.predict(without: "--input"), .usage, "Missing expected argument '--input <input>'"),
        .init(.predict("--batch-size", "0"), .usage, "--batch-size must be at least 1"),
        .init(.predict("--input", "$D/missing.safetensors"), .runtime, "missing.safetensors: reading $D/missing.safetensors failed: no such file"),
        .init(.predict(model: "$D/garbage.safetensors"), .runtime, "garbage.safetensors: header length 3199076778277757287 exceeds the 100000000-byte limit; not a safetensors file or corrupt"),
        .init(.predict("--input", "$M"), .runtime, "$M: no tensor \"x\""),
        .init(.predict("--input", "$C", "--tensor", "conv1.weight"), .runtime, "$C: tensor \"conv1.weight\" has values outside [0, 1]"),
        .init(.predict("--input", "$D/rgb.safetensors"), .runtime,
              "$D/rgb.safetensors: images of shape [2, 3, 4, 4] do not fit small-cnn, which takes [N, 1, H, W]"),
        .init(.predict(model: "$C", "--input", "$D/rgb.safetensors"), .runtime,
              "$D/rgb.safetensors: images of shape [2, 3, 4, 4] do not fit preact-resnet18, which takes 32×32 images"),
        .init(.predict("--output", "$D/afile/l.safetensors"), .runtime, "cannot write into $D/afile: it is a file, not a directory"),
        .init(.predict(model: "$T/rgb.pt"), .runtime, "$D/gray.safetensors: images of shape [2, 1, 28, 28] do not fit torchscript:$T/rgb.pt, which takes [N, 3, H, W]"),
        .init(.predict(model: "$T/dict.pt"), .runtime, "dict.pt: forward returns a dict, not one tensor of logits"),
        // info
        .init(.info(file: nil), .usage, "Missing expected argument '<checkpoint>'"),
        .init(.info("--bogus"), .usage, "Unknown option '--bogus'"),
        .init(.info(file: "$D/missing.safetensors"), .runtime, "missing.safetensors: reading $D/missing.safetensors failed: no such file"),
        .init(.info(file: "$D/garbage.safetensors"), .runtime, "garbage.safetensors: header length 3199076778277757287 exceeds the 100000000-byte limit; not a safetensors file or corrupt"),
        .init(.info(file: "$D/empty.safetensors"), .runtime, "empty.safetensors: file has 0 bytes, fewer than the 8-byte header length"),
        .init(.info(file: "$D/truncated.safetensors"), .runtime, "file truncated?"),
        .init(.info(file: "$D/mnist"), .runtime, "mnist: reading $D/mnist failed: it is a directory"),
        // analyze
        .init(.analyze(checkpoint: nil), .usage, "Missing expected argument '<checkpoints> ...'"),
        .init(.analyze("--n", "0"), .usage, "--n, --power-iterations and --batch-size must be at least 1"),
        .init(.analyze("--eps", "-1"), .usage, "The value '-1' is invalid for '--eps <eps>'"),
        .init(.analyze("--dataset", "imagenet"), .usage, "The value 'imagenet' is invalid for '--dataset <dataset>'"),
        .init(.analyze(checkpoint: "$D/missing"), .runtime, "$D/missing does not exist"),
        .init(.analyze(checkpoint: "$D/mnist"), .runtime, "$D/mnist holds no epoch-N.safetensors"),
        .init(.analyze(checkpoint: "$D/truncated.safetensors"), .runtime, "file truncated?"),
        .init(.analyze("--dataset", "cifar10", "--data-dir", "$D/cifar10"), .runtime,
              "m.safetensors takes 1-channel images but cifar10 has 3-channel ones"),
        .init(.analyze(checkpoint: "$C", "--dataset", "cifar100", "--data-dir", "$D/cifar100"), .runtime,
              "c.safetensors has 10 classes but cifar100 has 100"),
        .init(.analyze(checkpoint: "$T/features.pt"), .runtime, "features.pt returned shape [2, 8, 14, 14]"),
        .init(.analyze("--out", "$D/afile/a.json"), .runtime, "cannot write into $D/afile: it is a file, not a directory"),
        // report
        .init(.report(directory: nil), .usage, "Missing expected argument '<directories> ...'"),
        .init(.report("--bogus"), .usage, "Unknown option '--bogus'"),
        .init(.report(directory: "$D/missing"), .runtime, "$D/missing is not a directory"),
        .init(.report(directory: "$D/cifar10"), .runtime, "nothing to plot in $D/cifar10"),
        .init(.report("--out", "$D/afile"), .runtime, "cannot write into $D/afile: it is a file, not a directory"),
        // bench
        .init(["bench"], .usage, "choose a benchmark: deat bench paper, deat bench peer or deat bench throughput"),
        .init(["bench", "paper", "--bogus"], .usage, "Unknown option '--bogus'"),
        .init(["bench", "paper", "--methods", ""], .usage, "--methods names no method"),
        .init(["bench", "paper", "--methods", "bogus"], .usage, "unknown bench method 'bogus'"),
        .init(["bench", "paper", "--eps", "nan"], .usage, "The value 'nan' is invalid for '--eps <eps>'"),
        .init(["bench", "paper", "--setting", "quick"], .usage, "The value 'quick' is invalid for '--setting <setting>'"),
        .init(["bench", "paper", "--epochs", "0"], .usage, "--epochs must be at least 1"),
        .init(["bench", "paper", "--select", "worst"], .usage, "The value 'worst' is invalid for '--select <select>'"),
        .init(["bench", "paper", "--dataset", "imagenet"], .usage, "The value 'imagenet' is invalid for '--dataset <dataset>'"),
        .init(["bench", "paper", "--dataset", "mnist", "--data-dir", "$D/mnist", "--model-file", "$T/tuple.pt", "--out", "$D/bench-ts"], .runtime,
              "tuple.pt: forward returns a tuple, not one tensor of logits"),
        .init(["bench", "paper", "--out", "$D/afile"], .runtime, "cannot write into $D/afile: it is a file, not a directory"),
        .init(["bench", "paper", "--dataset", "mnist", "--data-dir", "$D/nodata", "--out", "$D/bench"], .runtime, "no such file"),
        .init(["bench", "torchscript", "--batch", "0"], .usage, "--batch and --iters must be at least 1, --warmup at least 0"),
        .init(["bench", "torchscript", "--model", "small-cnn", "--model-file", "$T/features.pt", "--rounds", "1", "--iters", "1"], .runtime,
              "features.pt returned shape"),
        .init(["bench", "throughput", "--work", "bogus"], .usage, "--work: unknown 'bogus'"),
        .init(["bench", "throughput", "--model", "bogus"], .usage, "unknown model 'bogus'"),
        .init(["bench", "throughput", "--iters", "0"], .usage, "must be at least 1"),
        .init(["bench", "throughput", "--autocast", "fp16"], .usage, "The value 'fp16' is invalid for '--autocast <autocast>'"),
        .init(["bench", "throughput", "--python", "$D/missing"], .runtime, "$D/missing not found"),
        .init(["bench", "peer", "--bogus"], .usage, "Unknown option '--bogus'"),
        .init(["bench", "peer", "--methods", "pgd"], .usage, "--methods: 'pgd' is not mplus-deat or free-N"),
        .init(["bench", "peer", "--rounds", "0"], .usage, "must be at least 1"),
        .init(["bench", "peer", "--device", "cuda"], .usage, "deat bench peer runs on the CPU only"),
        .init(["bench", "peer", "--python", "$D/missing"], .runtime, "$D/missing not found"),
        .init(["bench", "peer", "--python", "/bin/sh", "--peers", "$D/missing"], .runtime, "$D/missing/peer.py not found"),
        // demo
        .init(.demo("--bogus"), .usage, "Unknown option '--bogus'"),
        .init(.demo("--lr", "-1"), .usage, "--lr must be a positive number"),
        .init(.demo("--lr", "nan"), .usage, "--lr must be a positive number"),
        .init(.demo("--epochs", "0"), .usage, "--epochs must be at least 1"),
        .init(.demo("--threads", "0"), .usage, "--threads must be at least 1, got 0"),
        .init(.demo("--device", "tpu"), .usage, "The value 'tpu' is invalid for '--device <device>': unknown device 'tpu'"),
        .init(.demo("--data-dir", "$D/nodata"), .runtime,
              "$D/nodata/train-images-idx3-ubyte.gz: no such file (nor an uncompressed or raw/ copy) (install the Debian package dataset-fashion-mnist, or run deat data fetch fashion-mnist DIR and pass --data-dir DIR)"),
        .init(.demo("--data-dir", "$D/corrupt-mnist"), .runtime, "$D/corrupt-mnist/train-images-idx3-ubyte: not an IDX file"),
        .init(.demo("--save", "$D/afile/m.safetensors"), .runtime, "cannot write into $D/afile: it is a file, not a directory"),
        // doctor
        .init(.doctor("--bogus"), .usage, "Unknown option '--bogus'"),
        .init(.doctor("--input-shape", "1,2"), .usage, "--input-shape must be four positive integers N,C,H,W, got '1,2'"),
        .init(.doctor("--input-shape", "1,2,3"), .usage, "--input-shape must be four positive integers N,C,H,W, got '1,2,3'"),
        .init(.doctor("--threads", "0"), .usage, "--threads must be at least 1, got 0"),
        // libtorch's own message (from the shim), which writes the shape its way.
        .init(.doctor("--input-shape", "2,3,28,28"), .runtime, "expected input[2, 3, 28, 28] to have 1 channels, but got 3 channels",
              names: ["[2, 3, 28, 28]"]),
        .init(.doctor("--device", "cuda:99"), .runtime, "cuda:99 requested, but"),
        // data fetch: refused before any download (mirror 127.0.0.1:9, the discard port, is never reached)
        .init(["data"], .usage, "choose what to do: deat data fetch NAME [DIR]"),
        .init(["data", "fetch"], .usage, "Missing expected argument '<name>'"),
        .init(["data", "fetch", "imagenet"], .usage, "The value 'imagenet' is invalid for '<name>'"),
        .init(["data", "fetch", "folder"], .usage, "The value 'folder' is invalid for '<name>'"),
        .init(["data", "fetch", "mnist", "--bogus"], .usage, "Unknown option '--bogus'"),
        .init(["data", "fetch", "mnist", "--mirror", "ftp://example.org/mnist/"], .usage,
              "--mirror must be an http:// or https:// URL, got 'ftp://example.org/mnist/'"),
        .init(["data", "fetch", "mnist", "--mirror", "not a url"], .usage, "--mirror must be an http:// or https:// URL, got 'not a url'"),
        .init(["data", "fetch", "mnist", "$D/afile", "--mirror", "http://127.0.0.1:9/"], .runtime,
              "$D/afile: using it as the data directory failed: it is a file, not a directory"),
        .init(["data", "fetch", "cifar10", "$D/foreign", "--mirror", "http://127.0.0.1:9/"], .runtime,
              "$D/foreign/cifar-10-python.tar.gz already exists and its MD5"),
        // no subcommand
        .init(["frobnicate"], .usage, "Unexpected argument 'frobnicate'"),
    ]

    /// Rows only an unprivileged user can fail: root writes into a mode-0500 directory anyway.
    static let unprivilegedCases: [CLIErrorCase] = [
        .init(.train("--out", "$D/read-only/run"), .runtime,
              "cannot write into $D/read-only/run: mkdir $D/read-only/run: Permission denied"),
        .init(.eval("--report", "$D/read-only/e.json"), .runtime, "cannot write into $D/read-only: it is not writable"),
        .init(.eval("--save-adversarial", "$D/read-only/adv.safetensors"), .runtime, "cannot write into $D/read-only: it is not writable"),
    ]

    /// The working line of every command the table changes (`$O` differs per line, so they may all run at once).
    static let workingLines: [CLILine] = [.train(), .resume(), .eval(), .predict(), .info(), .analyze(), .report(), .demo(), .doctor()]

    @Test("each bad option, value or file is refused with one line naming it, while the same command line without it works")
    func table() throws {
        try check(Self.cases)
    }

    @Test("an output directory without write permission is refused with one line naming it",
          .enabled(if: getuid() != 0, "root writes into a mode-0500 directory anyway"))
    func unprivileged() throws {
        try check(Self.unprivilegedCases)
    }

    /// Runs the working lines and `rows` on the fixtures, and checks each.
    func check(_ rows: [CLIErrorCase]) throws {
        #expect(rows.allSatisfy { !$0.line.derived || !$0.line.isWorking }, "a row changes nothing")
        try withTemporaryDirectory { dir in
            try Self.writeFixtures(in: dir)
            defer {
                try? FileManager.default.setAttributes([.posixPermissions: 0o700], ofItemAtPath: dir.appendingPathComponent("read-only").path)
            }
            let substitute = { @Sendable (text: String) in
                text.replacingOccurrences(of: "$D", with: dir.path).replacingOccurrences(of: "$M", with: dir.path + "/m.safetensors")
                    .replacingOccurrences(of: "$C", with: dir.path + "/c.safetensors")
                    .replacingOccurrences(of: "$T", with: TorchScriptCommandTests.fixtures.path)
            }
            let commandLines = Self.workingLines.map(\.arguments) + rows.map(\.arguments)
            // Each line is a process that spends about 0.4 s starting libtorch: run them on every core.
            let results = RowResults(count: commandLines.count)
            DispatchQueue.concurrentPerform(iterations: commandLines.count) { i in
                let arguments = commandLines[i].map { substitute($0.replacingOccurrences(of: "$O", with: "$D/out/\(i)")) }
                results.set(i, Result { try runDeat(arguments + Self.threads(arguments)) })
            }
            let outcomes = results.all
            for (line, outcome) in zip(Self.workingLines, outcomes) {
                let result = try outcome.get()
                #expect(result.status == 0, "the working line deat \(line.arguments.joined(separator: " ")) failed: \(result.stderr)")
            }
            for (row, outcome) in zip(rows, outcomes.dropFirst(Self.workingLines.count)) {
                let result = try outcome.get()
                let lines = result.stderr.split(separator: "\n")
                let first = lines.first.map(String.init) ?? ""
                switch row.kind {
                case .usage:
                    #expect(result.status == 64, "\(row): exit \(result.status)")
                    #expect(first.hasPrefix("Error: "), "\(row): \(result.stderr)")
                case .runtime:
                    #expect(result.status == 1, "\(row): exit \(result.status)")
                    #expect(lines.count == 1 && first.hasPrefix("error: "), "\(row): \(result.stderr)")
                }
                #expect(first.contains(substitute(row.expected)), "\(row): \(result.stderr)")
                let names = row.names(substitute)
                #expect(names.isEmpty || names.contains { first.contains($0) }, "\(row): the line names none of \(names): \(first)")
                for trace in ["Fatal error", "Stack dump", "frame #", "Exception raised from", "terminate called", "Current stack trace"] {
                    #expect(!result.stderr.contains(trace), "\(row): \(result.stderr)")
                }
            }
        }
    }

    /// One libtorch thread for the commands that take --threads, so that lines reaching libtorch stay cheap.
    static func threads(_ arguments: [String]) -> [String] {
        let takesThreads = ["train", "eval", "predict", "analyze", "demo", "doctor"].contains(arguments.first ?? "")
            || arguments.starts(with: ["bench", "paper"])
        return takesThreads && !arguments.contains("--threads") ? ["--threads", "1"] : []
    }

    /// MNIST-format and CIFAR-format data of a few images (bytes from a fixed seed), two models
    /// trained on them for one epoch, their run directories, images for predict, and broken files.
    static func writeFixtures(in dir: URL) throws {
        var random = SplitMix64(seed: 0xDEA7_F1C5)
        func write(_ data: [UInt8], _ path: String) throws {
            let url = dir.appendingPathComponent(path)
            try FileManager.default.createDirectory(at: url.deletingLastPathComponent(), withIntermediateDirectories: true)
            try Data(data).write(to: url)
        }
        func bigEndian(_ values: [UInt32]) -> [UInt8] { values.flatMap { v in (0..<4).reversed().map { UInt8(truncatingIfNeeded: v >> (8 * $0)) } } }
        // IDX: magic 00 00 08 <dims>, big-endian sizes, then the bytes.
        for (prefix, count) in [("train", 16), ("t10k", 8)] {
            try write(bigEndian([0x803, UInt32(count), 28, 28]) + random.bytes(count * 784), "mnist/\(prefix)-images-idx3-ubyte")
            try write(bigEndian([0x801, UInt32(count)]) + (0..<count).map { UInt8($0 % 10) }, "mnist/\(prefix)-labels-idx1-ubyte")
        }
        try write(Array("not an IDX file".utf8), "corrupt-mnist/train-images-idx3-ubyte")
        try write(Array("not an IDX file".utf8), "corrupt-mnist/train-labels-idx1-ubyte")
        // CIFAR binary: per image a label byte (CIFAR-100: coarse, fine) and 3×32×32 bytes.
        func cifar10(_ n: Int) -> [UInt8] { (0..<n).flatMap { (i: Int) -> [UInt8] in [UInt8(i % 10)] + random.bytes(3072) } }
        func cifar100(_ n: Int) -> [UInt8] {
            (0..<n).flatMap { (i: Int) -> [UInt8] in [UInt8(i % 20), UInt8(90 + i % 10)] + random.bytes(3072) }
        }
        for batch in 1...5 { try write(cifar10(2), "cifar10/data_batch_\(batch).bin") }
        try write(cifar10(8), "cifar10/test_batch.bin")
        try write(cifar100(8), "cifar100/train.bin")
        try write(cifar100(8), "cifar100/test.bin")
        try write([], "nodata/.keep")
        // Image folders: a good one (two classes, 8×6 PNGs), then one broken thing each.
        func png(_ seed: Int) -> [UInt8] { tinyPNG(width: 8, height: 6) { x, y, c in UInt8((x * 29 + y * 17 + c * 71 + seed * 13) % 256) } }
        for base in ["folder", "folder-truncated", "folder-empty-file", "folder-not-image"] {
            for split in ["train", "val"] {
                for (k, name) in ["cat", "dog"].enumerated() {
                    for i in 0..<3 { try write(png(k * 3 + i), "\(base)/\(split)/\(name)/\(i).png") }
                }
            }
        }
        let good = png(0)
        try write(Array(good.prefix(good.count / 2)), "folder-truncated/train/cat/2.png")
        try write([], "folder-empty-file/train/cat/0.jpg")
        try write(Array("not an image".utf8), "folder-not-image/train/cat/a.jpeg")
        try write(Array("x".utf8), "folder-no-classes/train/readme.txt")
        try write(png(1), "folder-empty-class/train/cat/0.png")
        try write(Array("x".utf8), "folder-empty-class/train/dog/notes.txt")
        try write(Array("x".utf8), "afile")
        try write(Array("not the published archive".utf8), "foreign/cifar-10-python.tar.gz")
        try write(Array("garbage, not a safetensors header".utf8), "garbage.safetensors")
        try write([], "empty.safetensors")
        try write(Array("garbage, not a safetensors header".utf8), "corrupt-run/checkpoint.safetensors")
        try FileManager.default.createDirectory(at: dir.appendingPathComponent("out"), withIntermediateDirectories: true)
        try FileManager.default.createDirectory(at: dir.appendingPathComponent("read-only"), withIntermediateDirectories: true)
        try FileManager.default.setAttributes([.posixPermissions: 0o500], ofItemAtPath: dir.appendingPathComponent("read-only").path)

        for (dataset, name, run) in [("mnist", "m", "run"), ("cifar10", "c", "cifar-run")] {
            let trained = try runDeat(["train", "--dataset", dataset, "--data-dir", dir.appendingPathComponent(dataset).path,
                                       "--method", "fgsm-rs", "--epochs", "1", "--batch-size", "8", "--validation-size", "4",
                                       "--threads", "1", "--out", dir.appendingPathComponent(run).path])
            try #require(trained.status == 0, "\(trained.stderr)")
            try FileManager.default.copyItem(at: dir.appendingPathComponent("\(run)/model.safetensors"), to: dir.appendingPathComponent("\(name).safetensors"))
        }
        try PredictCLITests.writeImages(random.bytes(96), shape: [2, 3, 4, 4], asFloat: true, to: dir.appendingPathComponent("rgb.safetensors"))
        try PredictCLITests.writeImages(random.bytes(2 * 784), shape: [2, 1, 28, 28], asFloat: true, to: dir.appendingPathComponent("gray.safetensors"))
        let model = try Data(contentsOf: dir.appendingPathComponent("m.safetensors"))
        try model.prefix(model.count / 2).write(to: dir.appendingPathComponent("truncated.safetensors"))
    }
}

/// The table's results, filled in from several threads.
private final class RowResults: @unchecked Sendable {
    private let lock = NSLock()
    private var results: [Result<ProcessResult, any Error>]

    init(count: Int) { results = Array(repeating: .failure(TestFailure("not run")), count: count) }

    func set(_ index: Int, _ result: Result<ProcessResult, any Error>) {
        lock.lock()
        defer { lock.unlock() }
        results[index] = result
    }

    var all: [Result<ProcessResult, any Error>] {
        lock.lock()
        defer { lock.unlock() }
        return results
    }
}
