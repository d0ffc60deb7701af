// `deat bench paper`, `deat bench peer`, `deat report` and `deat analyze` end to end:
// help and bad input, and tiny real runs: a run with per-epoch checkpoints analysed and reported,
// and a two-method bench that a second invocation finds finished.
import Foundation
import Testing
import TestSupport

@Suite("deat bench, report and analyze")
struct ReportBenchCLITests {
    let deat = builtProduct("deat")

    @Test("the help of each new command names its options", arguments: [
        (["bench", "paper", "--help"], ["--methods", "--epochs", "--train-subset", "--n", "--select", "--out", "--threads", "mplus-deat"]),
        (["bench", "peer", "--help"], ["--methods", "--rounds", "--python", "--threads", "free-8"]),
        (["bench", "--help"], ["paper", "peer", "throughput", "step", "ops", "loader", "attacks"]),
        (["bench", "step", "--help"], ["--model", "--batch", "--iters", "--warmup", "--threads", "--rounds", "--python", "--peers"]),
        (["bench", "ops", "--help"], ["--count", "--threads", "--rounds", "--python", "--peers"]),
        (["bench", "loader", "--help"], ["--threads", "--device", "--data-dir", "--batch", "--steps", "--prefetch"]),
        (["bench", "attacks", "--help"], ["<model>", "--n", "--batch-size", "--eps", "--data-dir", "--autoattack", "--rounds", "--python"]),
        (["bench", "throughput", "--help"], ["--model", "--iters", "--work", "--replays", "--no-peer", "--python", "--peers", "--device"]),
        (["report", "--help"], ["--out", "epsilon_sweep"]),
        (["analyze", "--help"], ["--n", "--power-iterations", "--pgd-steps", "--out"]),
        (["train", "--help"], ["--keep-epochs"]),
    ])
    func help(arguments: [String], options: [String]) throws {
        let result = try runProcess(deat, arguments)
        #expect(result.status == 0)
        for option in options { #expect(result.stdout.contains(option), "\(arguments): \(option)") }
        #expect(!result.stdout.contains("peer-run"))
    }

    @Test("bad input is refused with one clear line", arguments: [
        ["bench", "paper", "--methods", "mplus-deat,bogus-3"], ["bench", "paper", "--select", "worst"],
        ["bench", "peer", "--methods", "pgd"], ["analyze"], ["report", "/nonexistent/deat-run"],
        ["analyze", "/nonexistent/model.safetensors"],
    ])
    func badInput(arguments: [String]) throws {
        let result = try runProcess(deat, arguments)
        #expect(result.status != 0)
        #expect(result.stderr.contains("rror:"), "\(result.stderr)")
        #expect(!result.stderr.contains("Fatal error"))
    }

    @Test("train --keep-epochs, analyze the run, eval with a sweep, then one report with every figure", .enabled(if: fashionMNISTAvailable))
    func analyzeAndReport() throws {
        try withTemporaryDirectory { dir in
            let run = dir.appendingPathComponent("run")
            let train = try runProcess(deat, [
                "train", "--train-subset", "256", "--batch-size", "64", "--epochs", "2", "--validation-size", "16", "--threads", "1",
                "--keep-epochs", "--out", run.path,
            ])
            #expect(train.status == 0, "\(train.stderr)")
            for n in 1...2 { #expect(FileManager.default.fileExists(atPath: run.appendingPathComponent("epoch-\(n).safetensors").path)) }
            let analyze = try runProcess(deat, ["analyze", run.path, "--n", "16", "--power-iterations", "3", "--threads", "1"])
            #expect(analyze.status == 0, "\(analyze.stderr)")
            #expect(analyze.stdout.contains("Pearson") && analyze.stdout.contains("Spearman") && analyze.stdout.contains("M(e) vs λmax"))
            #expect(FileManager.default.fileExists(atPath: run.appendingPathComponent("analysis.json").path))
            let eval = try runProcess(deat, [
                "eval", run.appendingPathComponent("model.safetensors").path, "--attacks", "pgd-5", "--n", "16", "--sweep", "16",
                "--threads", "1", "--report", run.appendingPathComponent("model.eval.json").path,
            ])
            #expect(eval.status == 0, "\(eval.stderr)")
            let out = dir.appendingPathComponent("report")
            let report = try runProcess(deat, ["report", run.path, "--out", out.path])
            #expect(report.status == 0, "\(report.stderr)")
            let html = try String(contentsOf: out.appendingPathComponent("report.html"), encoding: .utf8)
            for figure in ["iterations.svg", "gradient-magnitude.svg", "train-loss.svg", "accuracy.svg", "epsilon-sweep.svg", "analysis.svg"] {
                #expect(html.contains(figure), "\(figure)")
                #expect(FileManager.default.fileExists(atPath: out.appendingPathComponent(figure).path), "\(figure)")
            }
        }
    }

    @Test("bench paper on two methods writes the table; a second run reuses every finished method", .enabled(if: fashionMNISTAvailable))
    func benchPaperResumes() throws {
        try withTemporaryDirectory { dir in
            let arguments = [
                "bench", "paper", "--methods", "mplus-deat,free-2", "--epochs", "1", "--train-subset", "256", "--n", "8",
                "--validation-size", "16", "--apgd-steps", "2", "--square-queries", "5", "--threads", "1", "--out", dir.path,
            ]
            let first = try runProcess(deat, arguments)
            #expect(first.status == 0, "\(first.stderr)")
            #expect(first.stdout.contains("| method | train min | backward passes | clean % | PGD-20 % | PGD-100 % | CW-20 % | AA % |"))
            #expect(first.stdout.contains("on the first 8 of 10000 test points"))
            let json = try JSONSerialization.jsonObject(with: Data(contentsOf: dir.appendingPathComponent("bench.json"))) as? [String: Any]
            let rows = try #require(json?["rows"] as? [[String: Any]])
            #expect(rows.map { $0["method"] as? String } == ["mplus-deat", "free-2"])
            #expect(rows.allSatisfy { $0["auto_attack"] is Double && $0["pgd20"] is Double && $0["pgd100"] is Double && $0["cw20"] is Double })
            for file in ["eval-pgd-100.json", "eval-pgd-20.json", "eval-cw-20.json", "eval-aa.json", "log.jsonl"] {
                #expect(FileManager.default.fileExists(atPath: dir.appendingPathComponent("free-2/\(file)").path), "\(file)")
            }
            let second = try runProcess(deat, arguments)
            #expect(second.status == 0, "\(second.stderr)")
            #expect(second.stdout.components(separatedBy: "(finished before)").count == 3)
            #expect(!second.stdout.contains("epoch 1:"))
            // A bench from before PGD-100: only the missing evaluation runs, the others are read back.
            let pgd100 = dir.appendingPathComponent("free-2/eval-pgd-100.json")
            let aa = dir.appendingPathComponent("free-2/eval-aa.json")
            let aaWritten = try FileManager.default.attributesOfItem(atPath: aa.path)[.modificationDate] as? Date
            try FileManager.default.removeItem(at: pgd100)
            let third = try runProcess(deat, arguments)
            #expect(third.status == 0, "\(third.stderr)")
            #expect(third.stdout.components(separatedBy: "(finished before)").count == 2)
            #expect(!third.stdout.contains("epoch 1:"))
            #expect(FileManager.default.fileExists(atPath: pgd100.path))
            #expect(try FileManager.default.attributesOfItem(atPath: aa.path)[.modificationDate] as? Date == aaWritten)
        }
    }
}
