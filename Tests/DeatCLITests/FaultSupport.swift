// FaultSupport.swift: running `deat` the ways the fault tests need: killed by the test-only hook
// (DEAT_FAULT_KILL_AT, Sources/Storage/FaultInjection.swift) at an exact point, never by a
// timer a fast machine could outrun, or under a file-size limit; and reading back what the runs left.
import Foundation
import Testing
import TestSupport

/// The tiny Fashion-MNIST run every fault test trains: 3 epochs of 4 minibatches of 64 images.
func tinyTrainArguments(out: URL, checkpointMinutes: String = "0") -> [String] {
    ["train", "--train-subset", "256", "--batch-size", "64", "--epochs", "3", "--validation-size", "16", "--threads", "1",
     "--checkpoint-minutes", checkpointMinutes, "--out", out.path]
}

func resumeArguments(_ directory: URL, checkpointMinutes: String = "0") -> [String] {
    ["train", "--resume", directory.path, "--threads", "1", "--checkpoint-minutes", checkpointMinutes]
}

/// Runs `deat` with DEAT_FAULT_KILL_AT set to `killAt` (or unset), optionally under `ulimit -f`
/// (`fileSizeLimit` bytes, rounded down to the shell's 512-byte blocks).
func runDeat(_ arguments: [String], killAt: String? = nil, fileSizeLimit: Int? = nil) throws -> ProcessResult {
    var environment = ProcessInfo.processInfo.environment
    environment["DEAT_FAULT_KILL_AT"] = killAt
    let deat = builtProduct("deat")
    guard let fileSizeLimit else { return try runProcess(deat, arguments, environment: environment) }
    // dash's `ulimit -f` counts 512-byte blocks; "$0" is deat, "$@" its arguments.
    let script = "ulimit -f \(max(fileSizeLimit / 512, 1)) && exec \"$0\" \"$@\""
    return try runProcess(URL(fileURLWithPath: "/bin/sh"), ["-c", script, deat.path] + arguments, environment: environment)
}

/// Temp files of interrupted atomic writes in `directory` (`.NAME.tmp-UUID`); throws when the
/// directory cannot be listed, so that a missing run directory never reads as a clean one.
func leftoverTemporaries(in directory: URL) throws -> [String] {
    try FileManager.default.contentsOfDirectory(atPath: directory.path).filter { $0.hasPrefix(".") && $0.contains(".tmp-") }
}

/// log.jsonl without the fields that measure time, which differ between any two runs.
func logWithoutTimes(_ run: URL) throws -> [[String: String]] {
    let text = try String(contentsOf: run.appendingPathComponent("log.jsonl"), encoding: .utf8)
    return try text.split(separator: "\n").map { line in
        let record = try #require(JSONSerialization.jsonObject(with: Data(line.utf8)) as? [String: Any])
        return record.filter { !["seconds", "totalSeconds", "dataWaitSeconds"].contains($0.key) }.mapValues { "\($0)" }
    }
}

/// The accuracy figures of a `deat eval` report: clean, robust, and per stage what it attacked and broke.
func accuracyFields(_ report: URL) throws -> [String] {
    let json = try #require(JSONSerialization.jsonObject(with: Data(contentsOf: report)) as? [String: Any])
    let stages = try #require(json["stages"] as? [[String: Any]])
    return ["clean \(json["clean_accuracy"] ?? "-")", "robust \(json["robust_accuracy"] ?? "-")", "n \(json["n"] ?? "-")"]
        + stages.map { "\($0["name"] ?? "-"): attacked \($0["attacked"] ?? "-"), broken \($0["broken"] ?? "-"), robust \($0["robust_accuracy"] ?? "-")" }
}

/// The lines of standard error that are not progress lines (`epoch 1/3 2/4 …`, `[1/2] pgd-5 …`).
func messageLines(_ stderr: String) -> [Substring] {
    stderr.split(separator: "\n").filter { $0.hasPrefix("error:") || $0.hasPrefix("note:") || $0.hasPrefix("Error:") }
}

/// A failed precondition of a shared fixture (a reference run), reported by the tests that use it.
struct TestFailure: Error, CustomStringConvertible {
    let description: String
    init(_ description: String) { self.description = description }
}
