// DeatBench.swift: `deat-bench`, deat side by side with PyTorch on the same machine, same libtorch
// and same thread count, reported as a ratio (the figure that survives a shared machine).
//
//   swift run -c release deat-bench step   # SmallCNN forward+backward+SGD, batch 128, 1×28×28
//   swift run -c release deat-bench step --model preact-resnet18 --iters 5   # batch 128, 3×32×32
//   swift run -c release deat-bench ops    # per-op overhead: 10,000 tiny adds
//
// The PyTorch peer is scripts/bench/step.py, run with /usr/bin/python3 (Debian's python3-torch).
// Runs alternate deat, PyTorch, deat, PyTorch, … so that drift in machine load hits both.
import ArgumentParser
import DataFormats
import Foundation
import Models
import NN
import Torch

@main
struct DeatBench: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "deat-bench",
        abstract: "Benchmarks deat against the same work in PyTorch on this machine.",
        subcommands: [Step.self, Ops.self, LoaderBench.self, AttacksBench.self]
    )

    static func main() {
        Runtime.keepFreedMemory()
        do {
            var command = try parseAsRoot()
            try command.run()
        } catch let error as TorchError {
            FileHandle.standardError.write(Data("error: \(error.oneLine)\n".utf8))
            Foundation.exit(1)
        } catch {
            exit(withError: error)
        }
    }
}

struct PeerOptions: ParsableArguments {
    @Option(help: "libtorch intra-op threads, set identically in deat and PyTorch (default: all cores).")
    var threads: Int = ProcessInfo.processInfo.activeProcessorCount

    @Option(help: "Alternating rounds (deat then PyTorch); the median of each side is reported.")
    var rounds: Int = 3

    @Option(help: "Python interpreter that has Debian's torch.")
    var python: String = "/usr/bin/python3"

    @Option(help: "Directory of the PyTorch peer scripts (step.py, attacks.py).")
    var peers: String = "scripts/bench"

    func validate() throws {
        guard threads >= 1 else { throw ValidationError("--threads must be at least 1") }
        guard rounds >= 1 else { throw ValidationError("--rounds must be at least 1") }
    }

    /// Runs a PyTorch peer script and returns the JSON object it prints last.
    func runPeer(_ script: String = "step.py", _ arguments: [String]) throws -> [String: Any] {
        let peer = peers + "/" + script
        guard FileManager.default.isExecutableFile(atPath: python) else {
            throw TorchError("\(python) not found: install python3-torch (scripts/dev.sh deps) or pass --python")
        }
        guard FileManager.default.fileExists(atPath: peer) else {
            throw TorchError("\(peer) not found: run deat-bench from the repository root or pass --peers")
        }
        let process = Process()
        process.executableURL = URL(fileURLWithPath: python)
        process.arguments = [peer] + arguments + ["--threads", String(threads)]
        let pipe = Pipe()
        process.standardOutput = pipe
        try process.run()
        let output = pipe.fileHandleForReading.readDataToEndOfFile()
        process.waitUntilExit()
        guard process.terminationStatus == 0,
            let line = String(decoding: output, as: UTF8.self).split(separator: "\n").last,
            let json = try JSONSerialization.jsonObject(with: Data(line.utf8)) as? [String: Any]
        else {
            throw TorchError("the PyTorch peer \(peer) failed (exit \(process.terminationStatus))")
        }
        return json
    }
}

func median(_ values: [Double]) -> Double {
    let sorted = values.sorted()
    return sorted[sorted.count / 2]
}

func printRow(_ label: String, _ value: String) {
    print(label.padding(toLength: 34, withPad: " ", startingAt: 0) + value)
}

struct Step: ParsableCommand {
    static let configuration = CommandConfiguration(
        abstract: "Forward + backward + SGD step of a model on random data, deat vs PyTorch.",
        discussion: "small-cnn takes 1×28×28 images (Fashion-MNIST); the CIFAR models take 3×32×32.")

    @OptionGroup var options: PeerOptions

    @Option(help: "Model: small-cnn, preact-resnet18 or wide-resnet-DEPTH-WIDEN.")
    var model: String = "small-cnn"

    @Option(help: "Batch size.")
    var batch: Int = 128

    @Option(help: "Timed steps per round (the median step time is kept).")
    var iters: Int = 30

    @Option(help: "Untimed warm-up steps per round.")
    var warmup: Int = 5

    func validate() throws {
        do {
            _ = try ModelKind(name: model)
        } catch {
            throw ValidationError("--model: \(error)")
        }
        guard batch >= 1, iters >= 1, warmup >= 0 else { throw ValidationError("--batch and --iters must be ≥ 1, --warmup ≥ 0") }
    }

    func run() throws {
        Runtime.threads = options.threads
        var deatTimes: [Double] = [], torchTimes: [Double] = []
        for _ in 0..<options.rounds {
            deatTimes.append(try deatStep())
            let peer = try options.runPeer("step.py", [
                "step", "--model", model, "--batch", String(batch), "--iters", String(iters), "--warmup", String(warmup),
            ])
            torchTimes.append(peer["seconds_per_step"] as? Double ?? .nan)
        }
        let deat = median(deatTimes), torch = median(torchTimes)
        print("\(model) train step, batch \(batch), \(options.threads) thread(s), \(Runtime.libtorchVersion), \(options.rounds) round(s)")
        printRow("deat (Swift)", String(format: "%8.2f ms/step  %9.0f img/s", deat * 1e3, Double(batch) / deat))
        printRow("PyTorch (Python)", String(format: "%8.2f ms/step  %9.0f img/s", torch * 1e3, Double(batch) / torch))
        printRow("ratio deat/PyTorch (time)", String(format: "%8.3f", deat / torch))
    }

    /// Median seconds per step of the same loop as scripts/bench/step.py.
    func deatStep() throws -> Double {
        let kind = try ModelKind(name: model)
        let normalization: Normalization = kind == .smallCNN ? .fashionMNIST : .cifar10
        let side = kind == .smallCNN ? 28 : 32
        let model = try kind.build(normalization: normalization, generator: Generator(seed: 0))
        let optimizer = try SGD(parameters: model.parameters(), learningRate: 0.01, momentum: 0.9)
        let gen = try Generator(seed: 1)
        let x = try Tensor.rand([batch, normalization.mean.count, side, side], generator: gen)
        let y = try Tensor.randint(0, 10, shape: [batch], generator: gen)
        func step() throws -> Tensor {
            let loss = try F.crossEntropy(model(x), target: y)
            try optimizer.zeroGrad()
            try loss.backward()
            try optimizer.step()
            return loss
        }
        for _ in 0..<warmup { _ = try step() }
        var times: [Double] = []
        for _ in 0..<iters {
            let start = DispatchTime.now().uptimeNanoseconds
            _ = try step().item()
            times.append(Double(DispatchTime.now().uptimeNanoseconds - start) / 1e9)
        }
        return median(times)
    }
}

struct Ops: ParsableCommand {
    static let configuration = CommandConfiguration(abstract: "Per-op overhead: tiny one-element adds, deat vs PyTorch.")

    @OptionGroup var options: PeerOptions

    @Option(help: "Adds per timing.")
    var count: Int = 10_000

    func run() throws {
        Runtime.threads = options.threads
        var deatTimes: [Double] = [], torchTimes: [Double] = []
        for _ in 0..<options.rounds {
            deatTimes.append(try deatOps())
            let peer = try options.runPeer("step.py", ["ops", "--count", String(count)])
            torchTimes.append(peer["seconds_per_op"] as? Double ?? .nan)
        }
        let deat = median(deatTimes), torch = median(torchTimes)
        print("\(count) adds of 1-element tensors, \(options.threads) thread(s), \(Runtime.libtorchVersion)")
        printRow("deat (Swift)", String(format: "%8.3f µs/op", deat * 1e6))
        printRow("PyTorch (Python)", String(format: "%8.3f µs/op", torch * 1e6))
        printRow("ratio deat/PyTorch (time)", String(format: "%8.3f", deat / torch))
    }

    /// Best-of-5 seconds per add, as the peer measures it.
    func deatOps() throws -> Double {
        let a = try Tensor.ones([1]), b = try Tensor.ones([1])
        for _ in 0..<1000 { _ = try a + b }
        var best = Double.infinity
        for _ in 0..<5 {
            let start = DispatchTime.now().uptimeNanoseconds
            for _ in 0..<count { _ = try a + b }
            best = min(best, Double(DispatchTime.now().uptimeNanoseconds - start) / 1e9 / Double(count))
        }
        return best
    }
}
