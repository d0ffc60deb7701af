// PaperBenchTests.swift: the paper bench's method names and configurations, a diverging method
// (a tiny run), what each bench asks its PyTorch peer, how `deat bench peer` reads and compares the
// two sides, and the statistics. (The bench commands end to end are in Tests/DeatCLITests.)
import Foundation
import Reports
import Testing
import TestSupport
import Training
@testable import Benchmarks

@Suite("Benchmarks: paper bench and peer figures")
struct PaperBenchTests {
    @Test("paper bench entries: a training method, optionally with -N replays or steps")
    func entries() throws {
        let free = try PaperBench.Entry(parsing: "free-8")
        #expect(free.name == "free-8" && free.method == .free && free.iterations == 8)
        let mplus = try PaperBench.Entry(parsing: "mplus-deat")
        #expect(mplus.method == .mplusDEAT && mplus.iterations == nil)
        for bad in ["bogus", "bogus-3", "free-0", "free-x", ""] {
            #expect(throws: (any Error).self, "\(bad)") { try PaperBench.Entry(parsing: bad) }
        }
        let all = try PaperBench.paperMethods.split(separator: ",").map { try PaperBench.Entry(parsing: String($0)) }
        #expect(all.count == 22)  // Table 1's fifteen rows, DEAT (linear) and FGSM-RS, and five beyond it
        #expect(all.map(\.name).contains("free-6"))
        let fat = try PaperBench.Entry(parsing: "fat-5")
        #expect(fat.method == .fat && fat.iterations == 5)
        let yopo = try PaperBench.Entry(parsing: "yopo-5")
        #expect(yopo.method == .yopo && yopo.iterations == 5)
        #expect(try PaperBench.entries(parsing: "table1,beyond") == all)
        #expect(try PaperBench.entries(parsing: "beyond, pgd-7").map(\.name) == ["deat-p", "mplus-fat", "mplus-amata", "nfgsm", "gradalign", "pgd-7"])
        #expect(PaperBench.isBeyondTableOne("nfgsm") && !PaperBench.isBeyondTableOne("fat-5") && !PaperBench.isBeyondTableOne("fat"))
    }

    @Test("every method of a paper bench gets the bench's epochs, subset, validation size and seed")
    func config() throws {
        var bench = PaperBench(dataset: .fashionMNIST, entries: [try PaperBench.Entry(parsing: "pgd-7")])
        (bench.epochs, bench.trainSubset, bench.validationSize, bench.seed) = (2, 100, 10, 7)
        let config = bench.config(bench.entries[0])
        #expect(config.epochs == 2 && config.trainSubset == 100 && config.validationSize == 10 && config.seed == 7)
        #expect(config.dataDirectory == "/usr/share/datasets/fashion-mnist")
    }

    @Test("convolutions: the fastest for a new method, the saved ones for a method already trained, the named ones when named",
          .enabled(if: fashionMNISTAvailable))
    func convolutionsOfARun() throws {
        try withTemporaryDirectory { dir in
            var bench = PaperBench(dataset: .fashionMNIST, entries: [try PaperBench.Entry(parsing: "free-1")])
            (bench.epochs, bench.trainSubset, bench.validationSize) = (1, 64, 0)
            let runDirectory = dir.appendingPathComponent("free-1")
            #expect(bench.config(bench.entries[0], in: runDirectory).convolutions == .fastest(on: .cpu))
            // A run trained before the setting existed: its config says direct.
            var old = bench.config(bench.entries[0])
            (old.convolutions, old.stopAfterBatches) = (.direct, 1)
            let run = try TrainingRun(config: old, directory: runDirectory, device: .cpu)
            try run.trainer.run()
            #expect(bench.config(bench.entries[0], in: runDirectory).convolutions == .direct)
            bench.convolutions = .winograd
            #expect(bench.config(bench.entries[0], in: runDirectory).convolutions == .winograd)
        }
    }

    @Test("a method whose training diverges is a row saying where, not evaluated, and the bench goes on to the next",
          .enabled(if: fashionMNISTAvailable))
    func divergedMethodIsARow() throws {
        try withTemporaryDirectory { dir in
            var bench = PaperBench(dataset: .fashionMNIST, entries: try ["free-1", "free-2"].map { try PaperBench.Entry(parsing: $0) })
            (bench.epochs, bench.trainSubset, bench.n, bench.validationSize) = (3, 256, 4, 16)
            bench.learningRate = 1e6  // diverges within the first epochs, as `deat train --lr 1e6` does
            var diverged: [String] = []
            let table = try bench.run(out: dir) { event in
                if case .diverged(let row, _) = event { diverged.append(row.method) }
            }
            #expect(diverged == ["free-1", "free-2"])  // the second ran although the first diverged
            #expect(table.rows.map(\.method) == ["free-1", "free-2"])
            for row in table.rows {
                let place = try #require(row.diverged)
                #expect(place.hasPrefix("epoch ") && place.contains(", batch "), "\(place)")
                #expect(row.clean == nil && row.autoAttack == nil)
            }
            #expect(!FileManager.default.fileExists(atPath: dir.appendingPathComponent("free-1/eval-aa.json").path))
            let markdown = try String(contentsOf: dir.appendingPathComponent("bench.md"), encoding: .utf8)
            #expect(markdown.contains("| free-1 | – | – | diverged at epoch "))
            #expect(try BenchTable.decode(Data(contentsOf: dir.appendingPathComponent("bench.json"))).rows == table.rows)
        }
    }

    @Test("paper bench evaluations: Table 1's PGD-100 besides PGD-20, CW-20 and AutoAttack; the table says which points")
    func evaluations() throws {
        #expect(PaperBench.evaluations.map(\.attacks) == ["pgd-100", "pgd-20", "cw-20", "aa-standard"])
        #expect(Set(PaperBench.evaluations.map(\.key)).count == 4)  // one eval-KEY.json each
        let bench = PaperBench(dataset: .cifar10, entries: [try PaperBench.Entry(parsing: "pgd-7")])
        #expect(bench.n == nil)  // the whole test split, as Table 1
        let config = bench.config(bench.entries[0])
        #expect(bench.header(config, points: 10000, of: 10000).contains("PGD-100, PGD-20, CW-20 and AutoAttack (standard) on all 10000 test points"))
        #expect(bench.header(config, points: 1000, of: 10000).contains("on the first 1000 of 10000 test points"))
    }

    @Test("Table 7's rows: FREE-4 and M+DEAT at γ = 1.1 and 1.01 under --setting imagenet, evaluated with PGD-10 and PGD-50")
    func tableSeven() throws {
        var bench = PaperBench(dataset: .folder, entries: try PaperBench.entries(parsing: "table7"))
        bench.setting = .imagenet
        #expect(bench.entries.map(\.name) == ["free-4", "mplus-deat", "mplus-deat@1.01"])
        let configs = bench.entries.map(bench.config)
        #expect(configs.dropFirst().map(\.gamma) == [1.1, 1.01] && configs.map(\.iterations) == [4, 4, 4])
        #expect(configs.allSatisfy { $0.carryPerturbation && $0.epochs == 23 })
        #expect(bench.evaluations.map(\.attacks) == ["pgd-10", "pgd-50"])
        #expect(bench.header(configs[1], points: 50000, of: 50000).contains("PGD-10 and PGD-50 (step ε/4) on all 50000 val images"))
        #expect(throws: (any Error).self) { try PaperBench.Entry(parsing: "mplus-deat@x") }
    }

    @Test("--setting fast gives every bench method its FAST recipe, with no per-epoch validation unless asked")
    func fastSetting() throws {
        var bench = PaperBench(dataset: .cifar10, entries: try ["mplus-deat", "fgsm-rs"].map { try PaperBench.Entry(parsing: $0) })
        bench.setting = .fast
        let (deat, fgsm) = (bench.config(bench.entries[0]), bench.config(bench.entries[1]))
        #expect((deat.setting, deat.schedule, deat.epochs, deat.gamma, deat.validationSize) == (.fast, .cyclic, 10, 1.0, 0))
        #expect((fgsm.epochs, fgsm.learningRate, fgsm.overfittingGuard) == (15, 0.2, true))
        bench.epochs = 3
        #expect(bench.config(bench.entries[0]).epochs == 3)  // the bench's option wins
    }

    @Test("deat bench peer: the methods both sides implement")
    func peerMethods() {
        for good in ["mplus-deat", "free-1", "free-8"] { #expect(PeerTraining.isSupported(good), "\(good)") }
        for bad in ["pgd", "free-0", "free-", "free-x", "deat", ""] { #expect(!PeerTraining.isSupported(bad), "\(bad)") }
    }

    @Test("deat bench peer: both sides get the same options; the comparison takes medians and the peak")
    func peerComparison() throws {
        let side = PeerTraining(
            method: "free-8", initialWeights: URL(fileURLWithPath: "/tmp/init.safetensors"), work: URL(fileURLWithPath: "/tmp/run"),
            epochs: 3, trainSubset: 100, n: 10, dataDirectory: "/data", seed: 5)
        #expect(side.peerArguments == ["--method", "free-8", "--initial", "/tmp/init.safetensors", "--epochs", "3", "--train-subset", "100",
                                       "--n", "10", "--seed", "5", "--data-dir", "/data"])
        func figures(_ seconds: [Double], peak: Int) throws -> PeerFigures {
            try PeerFigures(PeerResult(
                json: ["epoch_seconds": seconds, "iterations": [8, 8], "images_per_epoch": 100, "backward_passes": 16,
                       "clean": 0.5, "pgd20": 0.25],
                peakKiB: peak, source: "test"))
        }
        let deat = [try figures([1, 1], peak: 2048), try figures([2, 2], peak: 1024), try figures([3, 3], peak: 1024)]
        let torch = [try figures([4, 4], peak: 4096)]
        let rows = PeerFigures.comparison(deat: deat, torch: torch)
        let byLabel = Dictionary(uniqueKeysWithValues: rows.map { ($0.label, $0) })
        #expect(byLabel["time per epoch (s)"]?.deat == 2 && byLabel["time per epoch (s)"]?.torch == 4)
        #expect(byLabel["images/s"]?.deat == 50)
        #expect(byLabel["peak RSS (MiB)"]?.deat == 2 && byLabel["peak RSS (MiB)"]?.torch == 4)
        #expect(byLabel["PGD-20 accuracy (%)"]?.deat == 25)
        #expect(throws: (any Error).self) { try PeerFigures(PeerResult(json: ["clean": 1], source: "test")) }
    }

    @Test("what step, ops and throughput ask their peer")
    func peerArguments() {
        #expect(StepBenchmark(model: .smallCNN, batch: 16, iterations: 3, warmup: 1).peerArguments
            == ["step", "--model", "small-cnn", "--batch", "16", "--iters", "3", "--warmup", "1"])
        #expect(OpsBenchmark(count: 50).peerArguments == ["ops", "--count", "50"])
        var throughput = ThroughputBenchmark(
            model: .smallCNN, batch: 8, work: [.pgdStep], replays: 2, pgdSteps: 3, iterations: 4, warmup: 0)
        (throughput.channelsLast, throughput.bf16) = (true, true)
        #expect(throughput.peerArguments(device: "cuda") == [
            "--device", "cuda", "--model", "small-cnn", "--batch", "8", "--replays", "2", "--pgd-steps", "3", "--iters", "4",
            "--warmup", "0", "--work", "pgd-step", "--channels-last", "--autocast", "bf16",
        ])
        #expect(throughput.imagesPerCall(.pgdStep) == 24 && throughput.imagesPerCall(.deatReplay) == 16)
    }

    @Test("median and alternating rounds")
    func timing() throws {
        #expect(Timing.median([3, 1, 2]) == 2)
        #expect(Timing.median([4, 1, 3, 2]) == 3)  // the upper middle, as the peers take it
        var order: [String] = []
        let (deat, peer) = try Timing.alternate(
            rounds: 3, deat: { order.append("deat"); return Double(order.count) }, peer: { order.append("peer"); return 10 })
        #expect(order == ["deat", "peer", "deat", "peer", "deat", "peer"])
        #expect(deat == 3 && peer == 10)
        #expect(try Timing.medianSeconds(iterations: 3, warmup: 1) {} >= 0)
    }
}
