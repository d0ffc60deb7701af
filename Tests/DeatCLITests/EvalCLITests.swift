// `deat eval` end to end: help, and a small real evaluation with ε as 8/255 that writes a JSON
// report and resumes from its state file. Bad ε values (a bare 8 among them), attack names and
// model files are rows of the error table (CLIErrorTableTests).
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

    @Test("eval writes a report with clean, robust and per-attack accuracy, and a rerun resumes from the state file",
          .enabled(if: fashionMNISTAvailable, fashionMNISTMissing))
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
