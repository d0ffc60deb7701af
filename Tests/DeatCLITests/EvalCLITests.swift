// `deat eval` end to end: help, ε parsing (8/255 and decimals, bare 8 refused), one-line errors,
// and a small real evaluation that writes a JSON report and resumes from its state file.
import Foundation
import Testing
import TestSupport

@Suite("deat eval")
struct EvalCLITests {
    let deat = builtProduct("deat")

    @Test("eval --help documents every option, including --eps and --attacks")
    func help() throws {
        let result = try runProcess(deat, ["eval", "--help"])
        #expect(result.status == 0)
        for option in ["--eps", "--attacks", "--n", "--batch-size", "--report", "--threads", "--seed", "aa-standard"] {
            #expect(result.stdout.contains(option), "\(option)")
        }
    }

    @Test("bad ε, bad attack names and a missing model are refused with one line",
          arguments: [["--eps", "8"], ["--eps", "abc"], ["--attacks", "pgd-x"], ["--n", "0"]])
    func refused(extra: [String]) throws {
        let result = try runProcess(deat, ["eval", "/nonexistent/model.safetensors"] + extra)
        #expect(result.status != 0)
        #expect(!result.stderr.contains("Fatal error"))
    }

    @Test("a missing checkpoint is one error line")
    func missingModel() throws {
        let result = try runProcess(deat, ["eval", "/nonexistent/model.safetensors", "--attacks", "pgd-2"])
        #expect(result.status == 1)
        #expect(result.stderr.hasPrefix("error: ") && result.stderr.split(separator: "\n").count == 1, "\(result.stderr)")
    }

    @Test("eval writes a report with clean, robust and per-attack accuracy, and a rerun resumes from the state file",
          .enabled(if: FileManager.default.fileExists(atPath: "/usr/share/datasets/fashion-mnist/t10k-images-idx3-ubyte.gz")))
    func evaluate() throws {
        try withTemporaryDirectory { dir in
            let model = dir.appendingPathComponent("m.safetensors").path
            let trained = try runProcess(deat, ["demo", "--train-subset", "512", "--test-subset", "64", "--threads", "2", "--save", model])
            #expect(trained.status == 0, "\(trained.stderr)")
            let report = dir.appendingPathComponent("r.json").path
            let args = ["eval", model, "--attacks", "fgsm,pgd-5", "--eps", "8/255", "--n", "40", "--batch-size", "16",
                        "--threads", "2", "--report", report, "--seed", "3"]
            let first = try runProcess(deat, args)
            #expect(first.status == 0, "\(first.stderr)")
            #expect(first.stdout.contains("pgd-5") && first.stdout.contains("robust accuracy"))
            let json = try JSONSerialization.jsonObject(with: Data(contentsOf: URL(fileURLWithPath: report))) as! [String: Any]
            #expect(json["n"] as? Int == 40)
            #expect(abs((json["epsilon"] as? Double ?? 0) - 8.0 / 255) < 1e-12 && json["epsilon_text"] as? String == "8/255")
            #expect(json["seed"] as? Int == 3 && json["norm"] as? String == "Linf")
            let stages = json["stages"] as! [[String: Any]]
            #expect(stages.map { $0["name"] as? String } == ["fgsm", "pgd-5"])
            let clean = json["clean_accuracy"] as! Double, robust = json["robust_accuracy"] as! Double
            #expect(robust <= clean)
            #expect((stages[1]["parameters"] as? [String: String])?["steps"] == "5")
            let second = try runProcess(deat, args)
            #expect(second.status == 0 && second.stdout.contains("resumed"))
            let again = try JSONSerialization.jsonObject(with: Data(contentsOf: URL(fileURLWithPath: report))) as! [String: Any]
            #expect(again["robust_accuracy"] as? Double == robust)
        }
    }
}
