// Deat.swift: the `deat` command. Parsing and validation come from swift-argument-parser; every
// failure after parsing (libtorch, data, checkpoints: each library's own error type) is printed as
// one line and exits 1, never as a crash trace. This is the one place errors become exit codes.
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
            Any command takes its options from a YAML file too: deat train --config FILE.yaml, keys \
            named as the long options without dashes; options on the command line win.
            """,
        version: Runtime.deatVersion,
        subcommands: [Train.self, Eval.self, Predict.self, Bench.self, ReportCommand.self, Analyze.self, Demo.self, Doctor.self, Info.self, DataCommand.self]
    )

    static func main() {
        Runtime.keepFreedMemory()
        // Over a file-size limit (`ulimit -f`) the kernel's default would kill deat mid-write with
        // SIGXFSZ; ignored, the write fails with EFBIG and becomes a one-line error like a full disk.
        signal(SIGXFSZ, SIG_IGN)
        var command: ParsableCommand
        let expanded: ConfigArguments
        do {
            expanded = try ConfigArguments(Array(CommandLine.arguments.dropFirst()), root: Deat.self)
        } catch {
            printError(error)  // the config file's problems: one line naming the file and key
            Foundation.exit(64)
        }
        do {
            command = try parseAsRoot(attachingNegativeNumbers(expanded.arguments))
        } catch {
            // A bad value that came from the config file is the file's error, named by its key.
            if let file = expanded.file, let key = expanded.key(in: message(for: error)) {
                printError(ConfigError(file: file.path, key: key, message(for: error)))
                Foundation.exit(64)
            }
            exit(withError: error)  // usage errors: argument-parser's message and usage, exit 64
        }
        guard Self.isDeatCommand(command) else {
            // argument-parser's own commands (the help it was asked for) keep its handling.
            do { try command.run() } catch { exit(withError: error) }
            Foundation.exit(0)
        }
        do {
            try command.run()
        } catch {
            // Clean exits and validation errors keep argument-parser's handling: usage and exit 64
            // for a ValidationError, the given code for ExitCode. Everything else is deat's: one line, exit 1.
            if error is ValidationError || error is CleanExit || error is ExitCode { exit(withError: error) }
            printError(error)
            Foundation.exit(1)
        }
    }

    /// Whether `command` is one of deat's (sub)commands, by type, rather than one argument-parser
    /// made itself (e.g. for `--help`).
    static func isDeatCommand(_ command: any ParsableCommand) -> Bool {
        func tree(_ type: any ParsableCommand.Type) -> [any ParsableCommand.Type] {
            [type] + type.configuration.subcommands.flatMap(tree)
        }
        let parsed = ObjectIdentifier(Swift.type(of: command))
        return tree(Deat.self).contains { ObjectIdentifier($0) == parsed }
    }
}

/// `--lr -1` becomes `--lr=-1`. argument-parser reads a token starting with `-` as an option, so
/// `--eps -0.1` would fail as "Missing value for '--eps'"; attached, the value reaches the option's
/// own check, which says what is wrong with it. No deat option is a dash followed by a digit.
func attachingNegativeNumbers(_ arguments: [String]) -> [String] {
    var result: [String] = []
    for argument in arguments {
        let isNegativeNumber = argument.count > 1 && argument.hasPrefix("-")
            && argument.dropFirst().first.map { $0.isNumber || $0 == "." } == true
        if isNegativeNumber, let option = result.last, option.hasPrefix("--"), !option.contains("=") {
            result[result.count - 1] = option + "=" + argument
        } else {
            result.append(argument)
        }
    }
    return result
}

/// Prints `error: <message>` on one line to standard error.
func printError(_ error: any Error) {
    FileHandle.standardError.write(Data("error: \(oneLine(error))\n".utf8))
}

/// Any error's message folded onto one line (libtorch's carry C++ context over several lines).
func oneLine(_ error: any Error) -> String {
    (error as? TorchError)?.oneLine ?? TorchError(String(describing: error)).oneLine
}

/// The CLI's own errors: option combinations and run-directory states found after parsing, and
/// data-parallel workers that fail or cannot start.
struct CLIError: Error, CustomStringConvertible {
    let description: String
    init(_ description: String) { self.description = description }
}

/// Flushes standard output now: into a file or pipe it is block-buffered, and a line such as an
/// epoch's summary must appear when the epoch ends, in order with the progress on standard error.
func flushOutput() {
    fflush(nil)  // nil: every output stream (naming C's `stdout` global is not concurrency-safe in Swift 6)
}
