// BenchPeer.swift: `deat bench peer` (docs/benchmarks.md): M+DEAT and FREE-8 training plus PGD-20
// evaluation in deat and in PyTorch (scripts/bench/peer.py, /usr/bin/python3, Debian's torch on the
// same libtorch, the same thread count), alternating deat, PyTorch, deat, PyTorch … so that drift in
// a shared machine's load hits both sides. Both sides start from the same initial weights and draw
// the same data order and δ starts (same libtorch generator, same derived seeds), so their
// accuracies should agree closely. Each side runs as a child process spawned and reaped here with
// wait4, whose ru_maxrss is that child's own peak resident memory: both measured the same way.
//
//   deat bench peer --threads 2 --epochs 3 --train-subset 10000 --n 1000 --rounds 2
import ArgumentParser
import Foundation
import Models
import NN
import Torch
#if canImport(Glibc)
import Glibc
#endif

struct BenchPeer: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "peer",
        abstract: "M+DEAT and FREE-8 training and PGD-20 in deat and in PyTorch, alternately; prints the figures and the ratios.",
        discussion: """
            Fashion-MNIST + SmallCNN on the CPU. A ratio below 1 means deat is faster (time) or smaller (memory). \
            Time per epoch counts the training loop only; images/s is training images per second of it; \
            peak RSS is each child process's maximum resident set size (wait4's ru_maxrss).
            """)

    @Option(help: "Comma-separated methods: mplus-deat and/or free-N.")
    var methods: String = "mplus-deat,free-8"

    @Option(help: "Epochs per run.")
    var epochs: Int = 3

    @Option(help: "Train on the first N training images.")
    var trainSubset: Int = 10_000

    @Option(help: "PGD-20 on the first N test points.")
    var n: Int = 1000

    @Option(help: "Alternating rounds (deat then PyTorch, per method); medians are reported.")
    var rounds: Int = 2

    @Option(help: "Python interpreter with Debian's torch.")
    var python: String = "/usr/bin/python3"

    @Option(help: "Directory of the PyTorch peer scripts (peer.py).")
    var peers: String = "scripts/bench"

    @Option(help: "Fashion-MNIST directory.")
    var dataDir: String = "/usr/share/datasets/fashion-mnist"

    @OptionGroup var runtime: RuntimeOptions

    func validate() throws {
        guard epochs >= 1, trainSubset >= 1, n >= 1, rounds >= 1 else {
            throw ValidationError("--epochs, --train-subset, --n and --rounds must be at least 1")
        }
        for m in methodList where !(m == "mplus-deat" || (m.hasPrefix("free-") && Int(m.dropFirst(5)).map { $0 >= 1 } == true)) {
            throw ValidationError("--methods: '\(m)' is not mplus-deat or free-N")
        }
        guard runtime.device == .cpu else { throw ValidationError("deat bench peer runs on the CPU only") }
    }

    var methodList: [String] { methods.split(separator: ",").map { $0.trimmingCharacters(in: .whitespaces) } }

    func run() throws {
        _ = try runtime.apply()
        let script = peers + "/peer.py"
        guard FileManager.default.isExecutableFile(atPath: python) else { throw TorchError("\(python) not found: install python3-torch or pass --python") }
        guard FileManager.default.fileExists(atPath: script) else { throw TorchError("\(script) not found: run from the repository root or pass --peers") }
        let work = FileManager.default.temporaryDirectory.appendingPathComponent("deat-bench-peer-\(getpid())")
        try FileManager.default.createDirectory(at: work, withIntermediateDirectories: true)
        defer { try? FileManager.default.removeItem(at: work) }
        // The shared starting point: SmallCNN initialised from the seed as `deat train` does.
        let initial = work.appendingPathComponent("init.safetensors")
        let model = try ModelKind.smallCNN.build(
            normalization: .fashionMNIST, generator: Generator(seed: Generator.derivedSeed(runtime.seed, -1)))
        try Checkpoint.save(model, metadata: CheckpointMetadata(model: "small-cnn", classes: 10, normalizeMean: [0.2860], normalizeStd: [0.3530]), to: initial)
        let deat = URL(fileURLWithPath: "/proc/self/exe").resolvingSymlinksInPath().path
        let common = ["--epochs", "\(epochs)", "--train-subset", "\(trainSubset)", "--n", "\(n)", "--threads", "\(runtime.threads)",
                      "--seed", "\(runtime.seed)", "--data-dir", dataDir]
        print("deat bench peer: Fashion-MNIST SmallCNN, \(epochs) epochs on \(trainSubset) images, PGD-20 on \(n) points, "
            + "\(runtime.threads) thread(s), \(rounds) round(s), \(Runtime.libtorchVersion)")
        flushOutput()
        for method in methodList {
            var sides: [String: [PeerFigures]] = ["deat": [], "PyTorch": []]
            for round in 0..<rounds {
                let runDeat = try spawnMeasured(deat, ["bench", "peer-run", "--method", method, "--initial", initial.path,
                                                       "--work", work.appendingPathComponent("run").path] + common)
                sides["deat"]!.append(try PeerFigures(runDeat, side: "deat"))
                let runTorch = try spawnMeasured(python, [script, "--method", method, "--initial", initial.path] + common)
                sides["PyTorch"]!.append(try PeerFigures(runTorch, side: "PyTorch"))
                print("  \(method) round \(round + 1)/\(rounds): deat \(String(format: "%.1f", sides["deat"]!.last!.totalSeconds)) s, "
                    + "PyTorch \(String(format: "%.1f", sides["PyTorch"]!.last!.totalSeconds)) s")
                flushOutput()
            }
            PeerFigures.printComparison(method: method, deat: sides["deat"]!, torch: sides["PyTorch"]!)
        }
    }
}

/// One side's figures from one run.
struct PeerFigures {
    let epochSeconds: [Double]
    let iterations: [Int]
    let imagesPerEpoch: Int
    let backwardPasses: Int
    let clean: Double
    let pgd20: Double
    let peakKiB: Int

    var totalSeconds: Double { epochSeconds.reduce(0, +) }
    var secondsPerEpoch: Double { totalSeconds / Double(max(epochSeconds.count, 1)) }
    var imagesPerSecond: Double { Double(imagesPerEpoch * epochSeconds.count) / max(totalSeconds, 1e-9) }
    var backwardPerSecond: Double { Double(backwardPasses) / max(totalSeconds, 1e-9) }

    init(_ run: (output: String, peakKiB: Int), side: String) throws {
        guard let line = run.output.split(separator: "\n").last,
            let json = try JSONSerialization.jsonObject(with: Data(line.utf8)) as? [String: Any]
        else { throw TorchError("the \(side) side printed no result line") }
        epochSeconds = (json["epoch_seconds"] as? [Double]) ?? (json["epoch_seconds"] as? [NSNumber])?.map(\.doubleValue) ?? []
        iterations = (json["iterations"] as? [Int]) ?? []
        imagesPerEpoch = json["images_per_epoch"] as? Int ?? 0
        backwardPasses = json["backward_passes"] as? Int ?? 0
        clean = json["clean"] as? Double ?? .nan
        pgd20 = json["pgd20"] as? Double ?? .nan
        peakKiB = run.peakKiB
    }

    static func printComparison(method: String, deat: [PeerFigures], torch: [PeerFigures]) {
        func med(_ v: [Double]) -> Double { v.sorted()[v.count / 2] }
        let d = deat.last!, t = torch.last!
        print("\(method)   r per epoch: deat \(d.iterations), PyTorch \(t.iterations)")
        print("  figure".padding(toLength: 28, withPad: " ", startingAt: 0) + "deat        PyTorch     ratio deat/PyTorch")
        let rows: [(String, Double, Double, String)] = [
            ("time per epoch (s)", med(deat.map(\.secondsPerEpoch)), med(torch.map(\.secondsPerEpoch)), "%.2f"),
            ("images/s", med(deat.map(\.imagesPerSecond)), med(torch.map(\.imagesPerSecond)), "%.0f"),
            ("backward passes/s", med(deat.map(\.backwardPerSecond)), med(torch.map(\.backwardPerSecond)), "%.1f"),
            ("clean accuracy (%)", d.clean * 100, t.clean * 100, "%.2f"),
            ("PGD-20 accuracy (%)", d.pgd20 * 100, t.pgd20 * 100, "%.2f"),
            ("peak RSS (MiB)", Double(deat.map(\.peakKiB).max()!) / 1024, Double(torch.map(\.peakKiB).max()!) / 1024, "%.0f"),
        ]
        for (label, a, b, format) in rows {
            print("  " + label.padding(toLength: 26, withPad: " ", startingAt: 0) + String(format: format, a).padding(toLength: 12, withPad: " ", startingAt: 0)
                + String(format: format, b).padding(toLength: 12, withPad: " ", startingAt: 0) + (b != 0 ? String(format: "%.3f", a / b) : "–"))
        }
        flushOutput()
    }
}

/// Runs `executable` with `arguments` (standard error inherited), waits with wait4 and returns
/// its standard output and its own peak resident set size in KiB (ru_maxrss of that child only;
/// getrusage(RUSAGE_CHILDREN) would give the maximum over every child so far).
func spawnMeasured(_ executable: String, _ arguments: [String]) throws -> (output: String, peakKiB: Int) {
    let outputFile = FileManager.default.temporaryDirectory.appendingPathComponent("deat-peer-\(getpid())-\(UUID().uuidString).out")
    defer { try? FileManager.default.removeItem(at: outputFile) }
    var actions = posix_spawn_file_actions_t()
    posix_spawn_file_actions_init(&actions)
    defer { posix_spawn_file_actions_destroy(&actions) }
    posix_spawn_file_actions_addopen(&actions, 1, outputFile.path, O_WRONLY | O_CREAT | O_TRUNC, 0o600)
    let argv: [UnsafeMutablePointer<CChar>?] = ([executable] + arguments).map { strdup($0) } + [nil]
    defer { for p in argv { free(p) } }
    var pid: pid_t = 0
    let spawned = posix_spawn(&pid, executable, &actions, nil, argv, environ)
    guard spawned == 0 else { throw TorchError("cannot start \(executable): \(String(cString: strerror(spawned)))") }
    var status: Int32 = 0
    var usage = rusage()
    while wait4(pid, &status, 0, &usage) < 0 {
        guard errno == EINTR else { throw TorchError("wait4 failed for \(executable): \(String(cString: strerror(errno)))") }
    }
    let exitCode = (status >> 8) & 0xFF, signal = status & 0x7F
    guard signal == 0, exitCode == 0 else {
        throw TorchError("\(URL(fileURLWithPath: executable).lastPathComponent) \(arguments.prefix(3).joined(separator: " ")) failed (exit \(exitCode), signal \(signal))")
    }
    return (try String(contentsOf: outputFile, encoding: .utf8), Int(usage.ru_maxrss))  // Linux: KiB
}
