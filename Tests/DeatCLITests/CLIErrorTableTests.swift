// CLIErrorTableTests.swift: every subcommand given what it cannot use (missing or unknown
// options, contradictory ones, ε out of range, a model on the wrong dataset, an output directory it
// cannot write, missing or corrupt files) answers with one clear line and a non-zero exit, never a
// crash trace. One row per case; the fixtures are tiny MNIST- and CIFAR-format files written here,
// so the table runs without any installed dataset.
import Foundation
import Testing
import TestSupport

/// One row: the arguments (`$D` is the fixture directory), how deat must fail, and what the line says.
struct CLIErrorCase: CustomStringConvertible, Sendable {
    enum Kind: Sendable {
        /// Refused while parsing: argument-parser's `Error: …` line then its usage, exit 64.
        case usage
        /// Refused while running: exactly one `error: …` line, exit 1.
        case runtime
    }
    let arguments: [String]
    let kind: Kind
    let expected: String
    var description: String { "deat " + arguments.joined(separator: " ") }

    init(_ arguments: [String], _ kind: Kind, _ expected: String) {
        (self.arguments, self.kind, self.expected) = (arguments, kind, expected)
    }
}

@Suite("deat command line: the error table")
struct CLIErrorTableTests {
    /// `$M`: a 1-channel 10-class SmallCNN (trained on the MNIST-format fixture); `$C`: a 3-channel
    /// 10-class one (CIFAR-10 fixture).
    static let cases: [CLIErrorCase] = [
        // train
        .init(["train", "--bogus"], .usage, "Unknown option '--bogus'"),
        .init(["train", "--epochs"], .usage, "Missing value for '--epochs <epochs>'"),
        .init(["train", "--method", "bogus"], .usage, "The value 'bogus' is invalid for '--method <method>'"),
        .init(["train", "--eps", "-0.1"], .usage, "The value '-0.1' is invalid for '--eps <eps>'"),
        .init(["train", "--eps", "1.5"], .usage, "The value '1.5' is invalid for '--eps <eps>'"),
        .init(["train", "--eps", "nan"], .usage, "The value 'nan' is invalid for '--eps <eps>'"),
        .init(["train", "--eps", "abc"], .usage, "The value 'abc' is invalid for '--eps <eps>'"),
        .init(["train", "--eps", "0"], .usage, "--eps must be positive for adversarial training"),
        .init(["train", "--alpha", "-1"], .usage, "The value '-1' is invalid for '--alpha <alpha>'"),
        .init(["train", "--lr", "-1"], .usage, "--lr must be a positive number"),
        .init(["train", "--momentum", "nan"], .usage, "--momentum must be a number ≥ 0"),
        .init(["train", "--checkpoint-minutes", "-5"], .usage, "--checkpoint-minutes must be a number ≥ 0"),
        .init(["train", "--resume", "$D/run", "--epochs", "2"], .usage, "--resume continues a run with its saved settings; drop --epochs"),
        .init(["train", "--resume", "$D/run", "--momentum", "0.5"], .usage, "drop --momentum"),
        .init(["train", "--resume", "$D/run", "--channels-last"], .usage, "drop --channels-last"),
        .init(["train", "--autocast", "fp16"], .usage, "--autocast fp16 needs loss scaling"),
        .init(["train", "--resume", "$D/nothing"], .runtime, "nothing to resume"),
        .init(["train", "--resume", "$D/corrupt-run"], .runtime, "checkpoint.safetensors: header length"),
        .init(["train", "--resume", "$D/afile"], .runtime, "cannot write into $D/afile: it is a file, not a directory"),
        .init(["train", "--dataset", "mnist", "--data-dir", "$D/mnist", "--out", "$D/run"], .runtime, "already holds a run"),
        .init(["train", "--dataset", "cifar10", "--data-dir", "$D/mnist", "--out", "$D/o"], .runtime, "no CIFAR-10 train data found"),
        .init(["train", "--dataset", "mnist", "--data-dir", "$D/corrupt-mnist", "--out", "$D/o"], .runtime, "not an IDX file"),
        .init(["train", "--dataset", "mnist", "--data-dir", "$D/mnist", "--model", "preact-resnet18", "--out", "$D/o"], .runtime,
              "needs 32×32 images"),
        .init(["train", "--dataset", "mnist", "--data-dir", "$D/mnist", "--out", "$D/afile"], .runtime,
              "cannot write into $D/afile: it is a file, not a directory"),
        .init(["train", "--dataset", "mnist", "--data-dir", "$D/mnist", "--out", "$D/afile/run"], .runtime,
              "cannot write into $D/afile/run: $D/afile is a file, not a directory"),
        // eval
        .init(["eval"], .usage, "Missing expected argument '<model>'"),
        .init(["eval", "$M", "--bogus"], .usage, "Unknown option '--bogus'"),
        .init(["eval", "$M", "--eps", "-0.1"], .usage, "The value '-0.1' is invalid for '--eps <eps>'"),
        .init(["eval", "$M", "--eps", "2"], .usage, "The value '2' is invalid for '--eps <eps>'"),
        .init(["eval", "$M", "--eps", "nan"], .usage, "The value 'nan' is invalid for '--eps <eps>'"),
        .init(["eval", "$M", "--eps", "abc"], .usage, "The value 'abc' is invalid for '--eps <eps>'"),
        .init(["eval", "$M", "--n", "0"], .usage, "--n must be at least 1"),
        .init(["eval", "$M", "--cw-kappa", "nan"], .usage, "--cw-kappa must be a number ≥ 0"),
        .init(["eval", "$M", "--attacks", ""], .usage, "--attacks names no attack"),
        .init(["eval", "$M", "--norm", "L3"], .usage, "The value 'L3' is invalid for '--norm <norm>'"),
        .init(["eval", "$M", "--dataset", "imagenet"], .usage, "The value 'imagenet' is invalid for '--dataset <dataset>'"),
        .init(["eval", "$M", "--report", "$M"], .usage, "--report and the model are the same file"),
        .init(["eval", "$M", "--report", "$D/r.json", "--state", "$D/./r.json"], .usage, "--state and --report are the same file"),
        .init(["eval", "$M", "--device", "tpu"], .usage, "unknown device 'tpu'"),
        .init(["eval", "$M", "--attacks", "pgd-x"], .usage, "--attacks: unknown attack 'pgd-x'"),
        .init(["eval", "$D/missing.safetensors"], .runtime, "no such file"),
        .init(["eval", "$D/garbage.safetensors"], .runtime, "not a safetensors file or corrupt"),
        .init(["eval", "$D/empty.safetensors"], .runtime, "fewer than the 8-byte header length"),
        .init(["eval", "$D/truncated.safetensors"], .runtime, "file truncated?"),
        .init(["eval", "$M", "--dataset", "cifar10", "--data-dir", "$D/cifar10", "--attacks", "fgsm", "--report", "$D/e.json"], .runtime,
              "m.safetensors takes 1-channel images but cifar10 has 3-channel ones"),
        .init(["eval", "$C", "--dataset", "mnist", "--data-dir", "$D/mnist", "--attacks", "fgsm", "--report", "$D/e.json"], .runtime,
              "c.safetensors takes 3-channel images but mnist has 1-channel ones"),
        .init(["eval", "$C", "--dataset", "cifar100", "--data-dir", "$D/cifar100", "--attacks", "apgd-dlr", "--report", "$D/e.json"], .runtime,
              "c.safetensors has 10 classes but cifar100 has 100"),
        .init(["eval", "$M", "--dataset", "mnist", "--data-dir", "$D/nodata", "--attacks", "fgsm", "--report", "$D/e.json"], .runtime,
              "no such file"),
        .init(["eval", "$M", "--dataset", "mnist", "--data-dir", "$D/mnist", "--report", "$D/afile/e.json"], .runtime,
              "cannot write into $D/afile: it is a file, not a directory"),
        // predict
        .init(["predict"], .usage, "Missing expected argument '<model>'"),
        .init(["predict", "$M", "--output", "$D/l.safetensors"], .usage, "Missing expected argument '--input <input>'"),
        .init(["predict", "$M", "--input", "$D/rgb.safetensors", "--output", "$D/l.safetensors", "--batch-size", "0"], .usage,
              "--batch-size must be at least 1"),
        .init(["predict", "$M", "--input", "$D/missing.safetensors", "--output", "$D/l.safetensors"], .runtime, "no such file"),
        .init(["predict", "$D/garbage.safetensors", "--input", "$D/rgb.safetensors", "--output", "$D/l.safetensors"], .runtime,
              "not a safetensors file or corrupt"),
        .init(["predict", "$M", "--input", "$M", "--output", "$D/l.safetensors"], .runtime, "no tensor \"x\""),
        .init(["predict", "$M", "--input", "$C", "--tensor", "conv1.weight", "--output", "$D/l.safetensors"], .runtime,
              "has values outside [0, 1]"),
        .init(["predict", "$M", "--input", "$D/rgb.safetensors", "--output", "$D/l.safetensors"], .runtime,
              "images of shape [2, 3, 4, 4] do not fit"),
        .init(["predict", "$C", "--input", "$D/rgb.safetensors", "--output", "$D/l.safetensors"], .runtime, "which takes 32×32 images"),
        .init(["predict", "$M", "--input", "$D/gray.safetensors", "--output", "$D/afile/l.safetensors"], .runtime,
              "cannot write into $D/afile: it is a file, not a directory"),
        // info
        .init(["info"], .usage, "Missing expected argument '<checkpoint>'"),
        .init(["info", "$M", "--bogus"], .usage, "Unknown option '--bogus'"),
        .init(["info", "$D/missing.safetensors"], .runtime, "no such file"),
        .init(["info", "$D/garbage.safetensors"], .runtime, "not a safetensors file or corrupt"),
        .init(["info", "$D/mnist"], .runtime, "it is a directory"),
        // analyze
        .init(["analyze"], .usage, "Missing expected argument '<checkpoints> ...'"),
        .init(["analyze", "$M", "--n", "0"], .usage, "--n, --power-iterations and --batch-size must be at least 1"),
        .init(["analyze", "$M", "--eps", "-1"], .usage, "The value '-1' is invalid for '--eps <eps>'"),
        .init(["analyze", "$M", "--dataset", "imagenet"], .usage, "The value 'imagenet' is invalid for '--dataset <dataset>'"),
        .init(["analyze", "$D/missing"], .runtime, "does not exist"),
        .init(["analyze", "$D/mnist"], .runtime, "holds no epoch-N.safetensors"),
        .init(["analyze", "$D/truncated.safetensors"], .runtime, "file truncated?"),
        .init(["analyze", "$M", "--dataset", "cifar10", "--data-dir", "$D/cifar10", "--n", "4"], .runtime,
              "m.safetensors takes 1-channel images but cifar10 has 3-channel ones"),
        .init(["analyze", "$C", "--dataset", "cifar100", "--data-dir", "$D/cifar100", "--n", "4"], .runtime,
              "c.safetensors has 10 classes but cifar100 has 100"),
        .init(["analyze", "$M", "--out", "$D/afile/a.json"], .runtime, "cannot write into $D/afile: it is a file, not a directory"),
        // report
        .init(["report"], .usage, "Missing expected argument '<directories> ...'"),
        .init(["report", "$D/run", "--bogus"], .usage, "Unknown option '--bogus'"),
        .init(["report", "$D/missing"], .runtime, "is not a directory"),
        .init(["report", "$D/cifar10"], .runtime, "nothing to plot"),
        .init(["report", "$D/run", "--out", "$D/afile"], .runtime, "cannot write into $D/afile: it is a file, not a directory"),
        // bench
        .init(["bench"], .usage, "choose a benchmark: deat bench paper, deat bench peer or deat bench throughput"),
        .init(["bench", "paper", "--bogus"], .usage, "Unknown option '--bogus'"),
        .init(["bench", "paper", "--methods", ""], .usage, "--methods names no method"),
        .init(["bench", "paper", "--methods", "bogus"], .usage, "unknown bench method 'bogus'"),
        .init(["bench", "paper", "--eps", "nan"], .usage, "The value 'nan' is invalid for '--eps <eps>'"),
        .init(["bench", "paper", "--epochs", "0"], .usage, "--epochs must be at least 1"),
        .init(["bench", "paper", "--select", "worst"], .usage, "The value 'worst' is invalid for '--select <select>'"),
        .init(["bench", "paper", "--dataset", "imagenet"], .usage, "The value 'imagenet' is invalid for '--dataset <dataset>'"),
        .init(["bench", "paper", "--out", "$D/afile"], .runtime, "cannot write into $D/afile: it is a file, not a directory"),
        .init(["bench", "paper", "--dataset", "mnist", "--data-dir", "$D/nodata", "--out", "$D/bench"], .runtime, "no such file"),
        .init(["bench", "throughput", "--work", "bogus"], .usage, "--work: unknown 'bogus'"),
        .init(["bench", "throughput", "--model", "bogus"], .usage, "The value 'bogus' is invalid for '--model <model>'"),
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
        .init(["demo", "--bogus"], .usage, "Unknown option '--bogus'"),
        .init(["demo", "--lr", "-1"], .usage, "--lr must be a positive number"),
        .init(["demo", "--lr", "nan"], .usage, "--lr must be a positive number"),
        .init(["demo", "--epochs", "0"], .usage, "--epochs must be at least 1"),
        .init(["demo", "--data-dir", "$D/nodata"], .runtime, "no such file"),
        .init(["demo", "--data-dir", "$D/corrupt-mnist"], .runtime, "not an IDX file"),
        .init(["demo", "--data-dir", "$D/mnist", "--save", "$D/afile/m.safetensors"], .runtime,
              "cannot write into $D/afile: it is a file, not a directory"),
        // doctor
        .init(["doctor", "--bogus"], .usage, "Unknown option '--bogus'"),
        .init(["doctor", "--input-shape", "1,2"], .usage, "--input-shape must be four positive integers"),
        .init(["doctor", "--threads", "0"], .usage, "--threads must be at least 1"),
        .init(["doctor", "--input-shape", "2,3,28,28"], .runtime, "expected input[2, 3, 28, 28] to have 1 channels"),
        .init(["doctor", "--device", "cuda:99"], .runtime, "cuda:99 requested, but"),
        // no subcommand
        .init(["frobnicate"], .usage, "Unexpected argument 'frobnicate'"),
    ]

    /// Rows only an unprivileged user can fail: root writes into a mode-0500 directory anyway.
    static let unprivilegedCases: [CLIErrorCase] = [
        .init(["train", "--dataset", "mnist", "--data-dir", "$D/mnist", "--out", "$D/read-only/run"], .runtime,
              "cannot write into $D/read-only/run: mkdir $D/read-only/run: Permission denied"),
        .init(["eval", "$M", "--dataset", "mnist", "--data-dir", "$D/mnist", "--report", "$D/read-only/e.json"], .runtime,
              "cannot write into $D/read-only: it is not writable"),
    ]

    @Test("every subcommand refuses bad input with one clear line and a non-zero exit (the whole table)")
    func table() throws {
        try withTemporaryDirectory { dir in
            try Self.writeFixtures(in: dir)
            let rows = Self.cases + (getuid() == 0 ? [] : Self.unprivilegedCases)
            let substitute = { @Sendable (text: String) in
                text.replacingOccurrences(of: "$D", with: dir.path).replacingOccurrences(of: "$M", with: dir.path + "/m.safetensors")
                    .replacingOccurrences(of: "$C", with: dir.path + "/c.safetensors")
            }
            // Each row is a process that spends about 0.4 s starting libtorch: run them on every core.
            let results = RowResults(count: rows.count)
            DispatchQueue.concurrentPerform(iterations: rows.count) { i in
                results.set(i, Result { try runDeat(rows[i].arguments.map(substitute) + Self.threads(rows[i].arguments)) })
            }
            for (row, outcome) in zip(rows, results.all) {
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
                for trace in ["Fatal error", "Stack dump", "frame #", "Exception raised from", "terminate called", "Current stack trace"] {
                    #expect(!result.stderr.contains(trace), "\(row): \(result.stderr)")
                }
            }
            try? FileManager.default.setAttributes([.posixPermissions: 0o700], ofItemAtPath: dir.appendingPathComponent("read-only").path)
        }
    }

    /// One libtorch thread for the commands that take --threads, so that rows reaching libtorch stay cheap.
    static func threads(_ arguments: [String]) -> [String] {
        let takesThreads = ["train", "eval", "predict", "analyze", "demo", "doctor"].contains(arguments.first ?? "")
            || arguments.starts(with: ["bench", "paper"])
        return takesThreads && !arguments.contains("--threads") ? ["--threads", "1"] : []
    }

    /// MNIST-format and CIFAR-format data of a few random images, two models trained on them for
    /// one minibatch, a run directory, and broken files.
    static func writeFixtures(in dir: URL) throws {
        var random = SystemRandomNumberGenerator()
        func bytes(_ count: Int) -> [UInt8] { (0..<count).map { _ in UInt8.random(in: 0...255, using: &random) } }
        func write(_ data: [UInt8], _ path: String) throws {
            let url = dir.appendingPathComponent(path)
            try FileManager.default.createDirectory(at: url.deletingLastPathComponent(), withIntermediateDirectories: true)
            try Data(data).write(to: url)
        }
        func bigEndian(_ values: [UInt32]) -> [UInt8] { values.flatMap { v in (0..<4).reversed().map { UInt8(truncatingIfNeeded: v >> (8 * $0)) } } }
        // IDX: magic 00 00 08 <dims>, big-endian sizes, then the bytes.
        for (prefix, count) in [("train", 16), ("t10k", 8)] {
            try write(bigEndian([0x803, UInt32(count), 28, 28]) + bytes(count * 784), "mnist/\(prefix)-images-idx3-ubyte")
            try write(bigEndian([0x801, UInt32(count)]) + (0..<count).map { UInt8($0 % 10) }, "mnist/\(prefix)-labels-idx1-ubyte")
        }
        try write(Array("not an IDX file".utf8), "corrupt-mnist/train-images-idx3-ubyte")
        try write(Array("not an IDX file".utf8), "corrupt-mnist/train-labels-idx1-ubyte")
        // CIFAR binary: per image a label byte (CIFAR-100: coarse, fine) and 3×32×32 bytes.
        func cifar10(_ n: Int) -> [UInt8] { (0..<n).flatMap { (i: Int) -> [UInt8] in [UInt8(i % 10)] + bytes(3072) } }
        func cifar100(_ n: Int) -> [UInt8] {
            (0..<n).flatMap { (i: Int) -> [UInt8] in [UInt8(i % 20), UInt8(90 + i % 10)] + bytes(3072) }
        }
        for batch in 1...5 { try write(cifar10(2), "cifar10/data_batch_\(batch).bin") }
        try write(cifar10(8), "cifar10/test_batch.bin")
        try write(cifar100(8), "cifar100/train.bin")
        try write(cifar100(8), "cifar100/test.bin")
        try write([], "nodata/.keep")
        try write(Array("x".utf8), "afile")
        try write(Array("garbage, not a safetensors header".utf8), "garbage.safetensors")
        try write([], "empty.safetensors")
        try write(Array("garbage, not a safetensors header".utf8), "corrupt-run/checkpoint.safetensors")
        try FileManager.default.createDirectory(at: dir.appendingPathComponent("read-only"), withIntermediateDirectories: true)
        try FileManager.default.setAttributes([.posixPermissions: 0o500], ofItemAtPath: dir.appendingPathComponent("read-only").path)

        for (dataset, name, run) in [("mnist", "m", "run"), ("cifar10", "c", "cifar-run")] {
            let trained = try runDeat(["train", "--dataset", dataset, "--data-dir", dir.appendingPathComponent(dataset).path,
                                       "--method", "fgsm-rs", "--epochs", "1", "--batch-size", "8", "--validation-size", "4",
                                       "--threads", "1", "--out", dir.appendingPathComponent(run).path])
            try #require(trained.status == 0, "\(trained.stderr)")
            try FileManager.default.copyItem(at: dir.appendingPathComponent("\(run)/model.safetensors"), to: dir.appendingPathComponent("\(name).safetensors"))
        }
        try PredictCLITests.writeImages(bytes(96), shape: [2, 3, 4, 4], asFloat: true, to: dir.appendingPathComponent("rgb.safetensors"))
        try PredictCLITests.writeImages(bytes(32), shape: [2, 1, 4, 4], asFloat: true, to: dir.appendingPathComponent("gray.safetensors"))
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
