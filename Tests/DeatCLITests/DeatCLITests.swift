// The `deat` executable end to end: help, bad input (one clear line, non-zero exit, no trace),
// and a short real training run on Fashion-MNIST.
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

    @Test("a libtorch shape error (wrong channel count into conv2d) is one line and exit 1")
    func shimError() throws {
        let result = try run(["doctor", "--input-shape", "2,3,28,28", "--threads", "1"])
        #expect(result.status == 1)
        expectOneLineError(result, mentioning: "expected input[2, 3, 28, 28] to have 1 channels, but got 3 channels")
    }

    @Test("asking for CUDA from a CPU-only libtorch is one clear line")
    func cudaMissing() throws {
        let result = try run(["doctor", "--device", "cuda:0"])
        if result.status == 0 { return }  // a CUDA build on a GPU machine
        expectOneLineError(result, mentioning: "cuda:0 requested")
    }

    @Test("a missing data directory names the file and the fix")
    func missingData() throws {
        let result = try run(["demo", "--data-dir", "/nonexistent/deat-data"])
        expectOneLineError(result, mentioning: "/nonexistent/deat-data/train-images-idx3-ubyte")
        #expect(result.stderr.contains("--data-dir"))
    }

    @Test("unknown options and bad values are rejected with usage, exit ≠ 0",
        arguments: [["demo", "--bogus"], ["demo", "--epochs", "0"], ["demo", "--lr", "-1"], ["demo", "--threads", "0"],
                    ["demo", "--device", "tpu"], ["doctor", "--input-shape", "1,2,3"], ["frobnicate"]])
    func usageErrors(arguments: [String]) throws {
        let result = try run(arguments)
        #expect(result.status != 0)
        #expect(result.stderr.contains("Error:") || result.stderr.contains("error:"))
        #expect(!result.stderr.contains("Fatal error"))
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
        .enabled(if: FileManager.default.fileExists(atPath: "/usr/share/datasets/fashion-mnist/train-images-idx3-ubyte.gz")))
    func demo() throws {
        let result = try run(["demo", "--train-subset", "4096", "--test-subset", "1000", "--threads", "2", "--epochs", "2"])
        #expect(result.status == 0, "\(result.stderr)")
        let line = try #require(result.stdout.split(separator: "\n").last { $0.contains("test accuracy") })
        let accuracy = try #require(Double(line.split(separator: "accuracy ")[1].split(separator: "%")[0]))
        #expect(accuracy > 30, "\(line)")
    }

    @Test("info rejects missing, truncated and garbage files with one line naming the file")
    func infoBadFiles() throws {
        try withTemporaryDirectory { dir in
            expectOneLineError(try run(["info", dir.appendingPathComponent("none.safetensors").path]), mentioning: "none.safetensors: reading")
            let garbage = dir.appendingPathComponent("garbage.safetensors")
            try Data((0..<64).map { UInt8($0 * 37 % 251) }).write(to: garbage)
            expectOneLineError(try run(["info", garbage.path]), mentioning: "garbage.safetensors")
            let empty = dir.appendingPathComponent("empty.safetensors")
            try Data().write(to: empty)
            expectOneLineError(try run(["info", empty.path]), mentioning: "empty.safetensors")
        }
    }

    @Test("demo --save writes a checkpoint that info describes and a truncated copy is refused",
        .enabled(if: FileManager.default.fileExists(atPath: "/usr/share/datasets/fashion-mnist/train-images-idx3-ubyte.gz")))
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
