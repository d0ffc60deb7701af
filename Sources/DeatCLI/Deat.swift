// Deat.swift: the `deat` command. Parsing and validation come from swift-argument-parser; every
// failure after parsing (libtorch, data, checkpoints) is printed as one line and exits 1, never as
// a crash trace.
import ArgumentParser
import Foundation
import Torch

@main
struct Deat: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "deat",
        abstract: "Fast adversarial training (DEAT with M+ acceleration) and robustness evaluation.",
        discussion: """
            deat trains image classifiers on adversarial examples and measures their robustness.
            Images are in [0, 1]; normalisation happens inside the model, so ε is in pixel units.
            """,
        version: Runtime.deatVersion,
        subcommands: [Train.self, Eval.self, Bench.self, ReportCommand.self, Analyze.self, Demo.self, Doctor.self, Info.self]
    )

    static func main() {
        Runtime.keepFreedMemory()
        var command: ParsableCommand
        do {
            command = try parseAsRoot()
        } catch {
            exit(withError: error)  // usage errors: argument-parser's message and usage, exit 64
        }
        do {
            try command.run()
        } catch {
            // Help requests, clean exits and validation errors keep argument-parser's handling.
            if String(reflecting: type(of: error)).hasPrefix("ArgumentParser.") { exit(withError: error) }
            printError(error)
            Foundation.exit(1)
        }
    }
}

/// Prints `error: <message>` on one line to standard error.
func printError(_ error: any Error) {
    let text = (error as? TorchError)?.oneLine ?? TorchError(String(describing: error)).oneLine
    FileHandle.standardError.write(Data("error: \(text)\n".utf8))
}

/// Flushes standard output now: into a file or pipe it is block-buffered, and a line such as an
/// epoch's summary must appear when the epoch ends, in order with the progress on standard error.
func flushOutput() {
    fflush(nil)  // nil: every output stream (naming C's `stdout` global is not concurrency-safe in Swift 6)
}
