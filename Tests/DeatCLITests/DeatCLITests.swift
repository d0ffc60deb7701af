// The `deat` executable end to end: help, doctor, a short real training run on Fashion-MNIST and
// the checkpoint it saves. Bad input is the error table's (CLIErrorTableTests).
import Foundation
import Testing
import TestSupport

@Suite("deat command line")
struct DeatCLITests {
    let deat = builtProduct("deat")

    func run(_ arguments: [String]) throws -> ProcessResult {
        try runProcess(deat, arguments)
    }

    /// A failure the user caused: exit ≠ 0, one `error:` line naming the problem, no C++ or Swift trace.
    func expectOneLineError(_ result: ProcessResult, mentioning text: String, sourceLocation: SourceLocation = #_sourceLocation) {
        #expect(result.status != 0, sourceLocation: sourceLocation)
        let lines = result.stderr.split(separator: "\n")
        #expect(lines.count == 1, "stderr: \(result.stderr)", sourceLocation: sourceLocation)
        #expect(result.stderr.hasPrefix("error: "), sourceLocation: sourceLocation)
        #expect(result.stderr.contains(text), "stderr: \(result.stderr)", sourceLocation: sourceLocation)
        for trace in ["frame #", "Exception raised from", "Fatal error", "Stack dump", "terminate called"] {
            #expect(!result.stderr.contains(trace), sourceLocation: sourceLocation)
        }
    }

    @Test("the built executable exists next to the tests")
    func exists() {
        #expect(FileManager.default.isExecutableFile(atPath: deat.path), "\(deat.path)")
    }

    @Test("--help lists the subcommands and exits 0")
    func help() throws {
        let result = try run(["--help"])
        #expect(result.status == 0)
        #expect(result.stdout.contains("demo"))
        #expect(result.stdout.contains("doctor"))
    }

    @Test("every option of every subcommand has help text with its default", arguments: ["demo", "doctor", "info"])
    func subcommandHelp(name: String) throws {
        let result = try run([name, "--help"])
        #expect(result.status == 0)
        if name != "info" {
            for option in ["--threads", "--device", "--seed"] {
                #expect(result.stdout.contains(option))
            }
            #expect(result.stdout.contains("(default:"))
        }
        // Every option carries help text, on its own line or on the next (argument-parser wraps long flags).
        let lines = result.stdout.split(separator: "\n", omittingEmptySubsequences: false).map(String.init)
        for (i, line) in lines.enumerated() where line.hasPrefix("  -") {
            let words = line.split(separator: " ")
            let next = i + 1 < lines.count ? lines[i + 1] : ""
            let hasHelp = words.count > 2 || (next.hasPrefix("      ") && !next.trimmingCharacters(in: .whitespaces).isEmpty)
            #expect(hasHelp, "option without help: \(line)")
        }
    }

    @Test("asking for CUDA from a CPU-only libtorch is one clear line",
          .enabled(if: cudaDeviceCount == 0, "this libtorch has a CUDA device, so cuda:0 is accepted"))
    func cudaMissing() throws {
        let result = try run(["doctor", "--device", "cuda:0", "--threads", "1"])
        #expect(result.status == 1)
        expectOneLineError(result, mentioning: "cuda:0 requested, but")
    }

    @Test("doctor reports libtorch, threads and BLAS speed")
    func doctor() throws {
        let result = try run(["doctor", "--threads", "1"])
        #expect(result.status == 0, "\(result.stderr)")
        #expect(result.stdout.contains("libtorch"))
        #expect(result.stdout.contains("threads: 1"))
        #expect(result.stdout.contains("GFLOP/s"))
        #expect(result.stdout.contains("logits [2, 10]"))
    }

    @Test("demo trains on a Fashion-MNIST subset and beats chance",
        .enabled(if: fashionMNISTAvailable, fashionMNISTMissing))
    func demo() throws {
        let result = try run(["demo", "--train-subset", "4096", "--test-subset", "1000", "--threads", "2", "--epochs", "2"])
        #expect(result.status == 0, "\(result.stderr)")
        let line = try #require(result.stdout.split(separator: "\n").last { $0.contains("test accuracy") })
        let accuracy = try #require(Double(line.split(separator: "accuracy ")[1].split(separator: "%")[0]))
        #expect(accuracy > 30, "\(line)")
    }

    @Test("demo --save writes a checkpoint that info describes and a truncated copy is refused",
        .enabled(if: fashionMNISTAvailable, fashionMNISTMissing))
    func saveAndInfo() throws {
        try withTemporaryDirectory { dir in
            let url = dir.appendingPathComponent("cnn.safetensors")
            let trained = try run(["demo", "--train-subset", "256", "--test-subset", "64", "--threads", "1", "--save", url.path])
            #expect(trained.status == 0, "\(trained.stderr)")
            let info = try run(["info", url.path, "--tensors"])
            #expect(info.status == 0, "\(info.stderr)")
            #expect(info.stdout.contains("model: small-cnn, 93962 parameters"))
            #expect(info.stdout.contains("normalize_mean: 0.286"))
            #expect(info.stdout.contains("fc.weight"))
            let bytes = try Data(contentsOf: url)
            let truncated = dir.appendingPathComponent("cut.safetensors")
            try bytes.prefix(bytes.count / 2).write(to: truncated)
            expectOneLineError(try run(["info", truncated.path]), mentioning: "cut.safetensors")
        }
    }
}
