// BenchThroughput.swift: `deat bench throughput` (docs/benchmarks.md): images/s of one DEAT replay step
// and of one PGD attack step, deat's own code (Training's DEAT, Attacks' PGD) against the same eager
// loop in PyTorch (scripts/bench/throughput.py) on the same device, batch, layout and precision.
// Made for the GPU (PreActResNet-18, batch 128, CIFAR-shaped random data); it runs on the CPU too.
// Rounds alternate deat and PyTorch, so that drift in the machine's load hits both.
//
//   deat bench throughput --device cuda --python "$(command -v python3)" [--channels-last] [--autocast bf16]
import ArgumentParser
import Attacks
import DataFormats
import Foundation
import Models
import NN
import Torch
import Training

struct BenchThroughput: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "throughput",
        abstract: "Images/s of a DEAT replay step and a PGD attack step, deat vs PyTorch eager on the same device.",
        discussion: """
            A call is one minibatch: r DEAT replays (each one forward, one backward, a signed δ step and an SGD step, \
            ε = 8/255, α = 10/255) or one PGD-K attack in eval mode (K input-gradient steps of 2/255, every iterate checked). \
            Images/s counts batch × r or batch × K per call. Medians over --iters calls, then over --rounds; a ratio above 1 \
            means deat is faster. Also prints the time a full M+DEAT CIFAR-10 schedule would take at deat's measured rate.
            """)

    enum Work: String, CaseIterable, ExpressibleByArgument { case deatReplay = "deat-replay", pgdStep = "pgd-step" }
    enum Precision: String, ExpressibleByArgument { case bf16 }

    @Option(help: "Model: preact-resnet18, small-cnn or wide-resnet-DEPTH-WIDEN.")
    var model: String = "preact-resnet18"

    @Option(help: "Batch size.")
    var batch: Int = 128

    @Option(help: "Comma-separated work: deat-replay, pgd-step.")
    var work: String = "deat-replay,pgd-step"

    @Option(help: "DEAT replays per call.")
    var replays: Int = 8

    @Option(help: "PGD steps per call.")
    var pgdSteps: Int = 10

    @Option(help: "Timed calls per round.")
    var iters: Int = 10

    @Option(help: "Untimed warm-up calls per round (kernel selection, allocator growth).")
    var warmup: Int = 2

    @Option(help: "Alternating rounds (deat then PyTorch).")
    var rounds: Int = 3

    @Flag(help: "Channels-last layout for the model and the batch, on both sides.")
    var channelsLast = false

    @Option(help: "Mixed precision on both sides: bf16 (default: float32).")
    var autocast: Precision?

    @Flag(help: "Measure deat only (no PyTorch peer).")
    var noPeer = false

    @Option(help: "Python interpreter whose torch is the peer (on a GPU machine: the CUDA PyTorch's).")
    var python: String = "/usr/bin/python3"

    @Option(help: "Directory of the PyTorch peer scripts (throughput.py).")
    var peers: String = "scripts/bench"

    @OptionGroup var runtime: RuntimeOptions

    var workList: [Work] { work.split(separator: ",").compactMap { Work(rawValue: $0.trimmingCharacters(in: .whitespaces)) } }

    func validate() throws {
        do { _ = try ModelKind(name: model) } catch { throw ValidationError("--model: \(error)") }
        guard batch >= 1, replays >= 1, pgdSteps >= 1, iters >= 1, warmup >= 0, rounds >= 1 else {
            throw ValidationError("--batch, --replays, --pgd-steps, --iters and --rounds must be at least 1, --warmup at least 0")
        }
        let names = work.split(separator: ",").map { $0.trimmingCharacters(in: .whitespaces) }
        if let unknown = names.first(where: { Work(rawValue: $0) == nil }) {
            throw ValidationError("--work: unknown '\(unknown)' (expected deat-replay, pgd-step)")
        }
    }

    func run() throws {
        let device = try runtime.apply()
        if !noPeer {
            guard FileManager.default.isExecutableFile(atPath: python) else {
                throw TorchError("\(python) not found: pass --python (an interpreter with torch) or --no-peer")
            }
            guard FileManager.default.fileExists(atPath: peers + "/throughput.py") else {
                throw TorchError("\(peers)/throughput.py not found: run from the repository root or pass --peers")
            }
        }
        let kind = try ModelKind(name: model)
        let setup = "\(kind) batch \(batch), \(device), \(channelsLast ? "channels-last" : "NCHW"), \(autocast?.rawValue ?? "fp32")"
        print("deat bench throughput: \(setup), \(runtime.threads) thread(s), \(rounds) round(s) × \(iters) calls, \(Runtime.libtorchVersion)")
        flushOutput()
        var deat: [Work: [Double]] = [:], torch: [Work: [Double]] = [:]
        for round in 0..<rounds {
            let measured = try measureDeat(kind: kind, device: device)
            for (w, seconds) in measured { deat[w, default: []].append(seconds) }
            if !noPeer {
                for (w, seconds) in try measurePeer() { torch[w, default: []].append(seconds) }
            }
            print("  round \(round + 1)/\(rounds) done")
            flushOutput()
        }
        print("work".padding(toLength: 30, withPad: " ", startingAt: 0) + "deat img/s   PyTorch img/s   ratio deat/PyTorch (speed)")
        for w in workList {
            let imagesPerCall = Double(batch * (w == .deatReplay ? replays : pgdSteps))
            let d = imagesPerCall / median(deat[w]!)
            let t = torch[w].map { imagesPerCall / median($0) }
            let label = w == .deatReplay ? "DEAT replay step (r = \(replays))" : "PGD-\(pgdSteps) attack step"
            print(label.padding(toLength: 30, withPad: " ", startingAt: 0)
                + String(format: "%10.0f", d) + (t.map { String(format: "   %13.0f   %8.3f", $0, d / $0) } ?? "   –"))
        }
        if let seconds = deat[.deatReplay].map(median), kind == .preActResNet18 {
            // The official M+DEAT CIFAR-10 run (docs/methods.md §1.4): r = 1, 2, 2, 3 … 8 over 50 epochs,
            // 246 replay-epochs of 391 minibatches of 128, at about 24.9 s per replay-epoch on the authors' GPU.
            let replayEpoch = seconds / Double(replays) * (50_000 / Double(batch))
            print(String(format: "M+DEAT CIFAR-10 estimate: %.1f s per replay-epoch (reference run: 24.9 s), %.0f min for its 246 replay-epochs, validation not counted",
                         replayEpoch, replayEpoch * 246 / 60))
        }
        flushOutput()
    }

    /// Median seconds per call for each work, deat's code on `device`.
    func measureDeat(kind: ModelKind, device: Device) throws -> [Work: Double] {
        let normalization: Normalization = kind == .smallCNN ? .fashionMNIST : .cifar10
        let side = kind == .smallCNN ? 28 : 32
        let network = try kind.build(normalization: normalization, device: device, generator: Generator(seed: 0))
        if channelsLast { try network.convert(to: .channelsLast) }
        let optimizer = try SGD(parameters: network.parameters(), learningRate: 0.01, momentum: 0.9, weightDecay: 5e-4)
        let gen = try Generator(seed: 1, device: device)
        var x = try Tensor.rand([batch, normalization.mean.count, side, side], device: device, generator: gen)
        if channelsLast { x = try x.to(memoryFormat: .channelsLast) }
        let y = try Tensor.randint(0, 10, shape: [batch], device: device, generator: gen)
        let inputScale = try Tensor(normalization.std, shape: [1, normalization.std.count, 1, 1], on: device)
        let epsilon = 8.0 / 255
        let method = DEAT(name: "deat-\(replays)", policy: .fixed(replays), stepSize: 10.0 / 255, startRadius: epsilon)
        let attack = PGD(epsilon: epsilon, stepSize: 2.0 / 255, steps: pgdSteps)
        let context = StepContext(model: network, optimizer: optimizer, inputScale: inputScale, epsilon: epsilon, epoch: 0, generator: gen)
        var result: [Work: Double] = [:]
        for w in workList {
            let call: () throws -> Void = switch w {
            case .deatReplay: {
                network.train(true)
                _ = try method.step(images: x, labels: y, context: context)
            }
            case .pgdStep: { _ = try attack.perturb(model: network, images: x, labels: y, generator: gen) }
            }
            let body: () throws -> Void = autocast == nil ? call : { try Autocast.run(on: device, dtype: .bfloat16, call) }
            result[w] = try timed(body, device: device)
        }
        return result
    }

    func timed(_ call: () throws -> Void, device: Device) throws -> Double {
        for _ in 0..<warmup { try call() }
        var times: [Double] = []
        for _ in 0..<iters {
            try device.synchronize()
            let start = DispatchTime.now().uptimeNanoseconds
            try call()
            try device.synchronize()
            times.append(Double(DispatchTime.now().uptimeNanoseconds - start) / 1e9)
        }
        return median(times)
    }

    /// Median seconds per call for each work, from the PyTorch peer in a child process.
    func measurePeer() throws -> [Work: Double] {
        var arguments = [peers + "/throughput.py", "--threads", "\(runtime.threads)", "--device", runtime.device.description, "--model", model,
                         "--batch", "\(batch)", "--replays", "\(replays)", "--pgd-steps", "\(pgdSteps)", "--iters", "\(iters)",
                         "--warmup", "\(warmup)", "--work", workList.map(\.rawValue).joined(separator: ",")]
        if channelsLast { arguments.append("--channels-last") }
        if let autocast { arguments += ["--autocast", autocast.rawValue] }
        let (output, _) = try spawnMeasured(python, arguments)
        guard let line = output.split(separator: "\n").last,
            let json = try JSONSerialization.jsonObject(with: Data(line.utf8)) as? [String: Any]
        else { throw TorchError("the PyTorch peer printed no result line") }
        var result: [Work: Double] = [:]
        for w in workList {
            guard let entry = json[w.rawValue] as? [String: Any], let seconds = entry["seconds_per_call"] as? Double else {
                throw TorchError("the PyTorch peer's result has no \(w.rawValue) figure")
            }
            result[w] = seconds
        }
        return result
    }

    func median(_ values: [Double]) -> Double { values.sorted()[values.count / 2] }
}
