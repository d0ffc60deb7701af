// Diagnostics.swift: `--verbose` and the one place the process's logging is set up (swift-log,
// docs/architecture.md §9, Diagnostics). The libraries log under their layer's label (deat.training,
// deat.evaluation, deat.data, deat.bench) and never bootstrap; the CLI bootstraps once, to standard
// error, from .debug with --verbose and from .warning otherwise.
import ArgumentParser
import Foundation
import Logging
import Torch

/// `--verbose`, shared by every command that computes or downloads.
struct LogOptions: ParsableArguments {
    @Flag(help: "Debug diagnostics on standard error: libtorch, threads and device, the data files used, checkpoints written or resumed from, the M+ rule's sums, evaluation stages, peer command lines.")
    var verbose = false

    /// Sets up logging for the process (the first call wins; later ones change nothing).
    func bootstrap() {
        Diagnostics.bootstrap(level: verbose ? .debug : .warning)
    }
}

enum Diagnostics {
    /// The CLI's own decisions (libtorch, threads, device).
    static let log = Logger(label: "deat.cli")
    private static let once = NSLock()
    nonisolated(unsafe) private static var done = false

    /// LoggingSystem.bootstrap may run once per process; commands that nest (bench paper runs
    /// training and evaluation) call this more than once.
    static func bootstrap(level: Logger.Level) {
        once.lock()
        defer { once.unlock() }
        guard !done else { return }
        done = true
        LoggingSystem.bootstrap { label in
            var handler = LineLogHandler(label: label)
            handler.logLevel = level
            return handler
        }
    }
}

/// One line per message on standard error, "debug deat.training: text". On a terminal it first
/// clears the line, so that a message never lands inside a progress bar being redrawn in place
/// (ProgressBar.swift); the bar draws itself again at its next update.
struct LineLogHandler: LogHandler {
    let label: String
    var logLevel: Logger.Level = .warning
    var metadata: Logger.Metadata = [:]
    private static let clearLine = isatty(STDERR_FILENO) == 1 ? "\r\u{1B}[2K" : ""

    init(label: String) {
        self.label = label
    }

    subscript(metadataKey key: String) -> Logger.Metadata.Value? {
        get { metadata[key] }
        set { metadata[key] = newValue }
    }

    func log(event: LogEvent) {
        let merged = metadata.merging(event.metadata ?? [:]) { $1 }
        let extra = merged.isEmpty ? "" : " " + merged.sorted { $0.key < $1.key }.map { "\($0.key)=\($0.value)" }.joined(separator: " ")
        FileHandle.standardError.write(Data("\(Self.clearLine)\(event.level) \(label): \(event.message)\(extra)\n".utf8))
    }
}
