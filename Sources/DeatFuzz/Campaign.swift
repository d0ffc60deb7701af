// Campaign.swift: runs every parser's inputs in worker processes (this same executable, `worker`
// subcommand), `jobs` parsers at a time; when a worker dies it saves the crashing input from the
// worker's crash record, under the owning test target's Fixtures/fuzz-regressions/<parser>/, and
// starts a new worker at the next index. Prints one line per crash and a table per parser.

import Foundation

struct CampaignOptions {
    var targets: [FuzzTarget]
    var inputs: Int
    var seed: UInt64
    var jobs: Int
    /// The package root; crashing inputs go under its Tests/<Target>/Fixtures/fuzz-regressions/. Nil: not saved.
    var root: URL?
    /// A parser stops after this many crashes (one bug tends to crash many inputs).
    var maxCrashes: Int
    var hangSeconds: UInt32
}

/// One crashing input.
struct Crash {
    let index: Int
    let signal: Int32
    let message: String
    let savedAs: String?
}

/// Progress of one parser across its successive workers.
final class ParserRun {
    let target: FuzzTarget
    var next = 0
    var parsed = 0
    var rejected = 0
    var crashes: [Crash] = []
    var seconds = 0.0
    var maxRSSKilobytes = 0
    /// Why the parser stopped before its last input (a worker lost without a record, too many crashes).
    var stopped: String?
    var process: Process?
    var started = Date()

    init(_ target: FuzzTarget) { self.target = target }

    var inputs: Int { parsed + rejected + crashes.count }
}

enum Campaign {
    /// Runs the campaign; returns false when any parser crashed or a worker was lost.
    static func run(_ options: CampaignOptions) throws -> Bool {
        let work = FileManager.default.temporaryDirectory.appendingPathComponent("deat-fuzz-\(getpid())")
        try FileManager.default.createDirectory(at: work, withIntermediateDirectories: true)
        defer { try? FileManager.default.removeItem(at: work) }
        let runs = options.targets.map(ParserRun.init)
        var waiting = runs
        var active: [ParserRun] = []
        while !waiting.isEmpty || !active.isEmpty {
            while active.count < options.jobs, !waiting.isEmpty {
                let run = waiting.removeFirst()
                try start(run, options, work)
                active.append(run)
            }
            Thread.sleep(forTimeInterval: 0.05)
            for run in active where !(run.process?.isRunning ?? false) {
                finish(run, options, work)
                if run.stopped == nil && run.next < options.inputs {
                    try start(run, options, work)
                }
            }
            active.removeAll { $0.process == nil }  // finished, not restarted
        }
        report(runs, options)
        return runs.allSatisfy { $0.crashes.isEmpty && $0.stopped == nil }
    }

    private static func files(_ run: ParserRun, _ work: URL) -> (record: URL, stdout: URL, stderr: URL) {
        let base = work.appendingPathComponent(run.target.name)
        return (base.appendingPathExtension("record"), base.appendingPathExtension("out"), base.appendingPathExtension("err"))
    }

    private static func start(_ run: ParserRun, _ options: CampaignOptions, _ work: URL) throws {
        let (record, stdout, stderr) = files(run, work)
        try? FileManager.default.removeItem(at: record)
        guard FileManager.default.createFile(atPath: stdout.path, contents: nil),
              FileManager.default.createFile(atPath: stderr.path, contents: nil)
        else { throw UsageError("cannot create worker output files in \(work.path)") }
        let process = Process()
        process.executableURL = Bundle.main.executableURL
        process.arguments = ["worker", "--parser", run.target.name, "--seed", String(options.seed),
                             "--from", String(run.next), "--to", String(options.inputs), "--record", record.path,
                             "--hang-seconds", String(options.hangSeconds)]
        // The worker's own handler records the crash; Swift's backtracer would only slow each death down.
        process.environment = ProcessInfo.processInfo.environment.merging(["SWIFT_BACKTRACE": "enable=no"]) { $1 }
        process.standardOutput = try FileHandle(forWritingTo: stdout)
        process.standardError = try FileHandle(forWritingTo: stderr)
        run.started = Date()
        try process.run()
        run.process = process
    }

    private static func finish(_ run: ParserRun, _ options: CampaignOptions, _ work: URL) {
        guard let process = run.process else { return }
        process.waitUntilExit()
        run.process = nil
        run.seconds += Date().timeIntervalSince(run.started)
        let (recordURL, stdout, stderr) = files(run, work)
        let errorText = (try? String(contentsOf: stderr, encoding: .utf8)) ?? ""
        if process.terminationReason == .exit, process.terminationStatus == 0 {
            let words = ((try? String(contentsOf: stdout, encoding: .utf8)) ?? "").split(whereSeparator: \.isWhitespace)
            func value(_ key: String) -> Int? { words.firstIndex(of: Substring(key)).flatMap { Int(words[$0 + 1]) } }
            guard let parsed = value("parsed"), let rejected = value("rejected") else {
                run.stopped = "worker printed no counts"
                return
            }
            run.parsed += parsed
            run.rejected += rejected
            run.maxRSSKilobytes = max(run.maxRSSKilobytes, value("maxrss_kb") ?? 0)
            run.next = options.inputs
            return
        }
        guard process.terminationReason == .uncaughtSignal,
              let bytes = try? [UInt8](Data(contentsOf: recordURL)), let record = CrashRecord.Contents(bytes)
        else {
            let tail = errorText.split(separator: "\n").suffix(3).joined(separator: " | ")
            run.stopped = "worker at input \(run.next) ended (status \(process.terminationStatus)) without a crash record: \(tail)"
            return
        }
        run.parsed += record.parsed
        run.rejected += record.rejected
        run.next = record.index + 1
        let message = errorText.split(separator: "\n").last { $0.contains("Fatal error") || $0.contains("fuzz invariant") }
            .map(String.init) ?? (record.signal == SIGALRM ? "hang: no progress for \(options.hangSeconds) s" : "trap without a message")
        guard record.inParser else {
            run.stopped = "the harness itself crashed building input \(record.index): \(message)"
            return
        }
        let saved = options.root.flatMap { save(record.input, of: run.target, under: $0) }
        run.crashes.append(Crash(index: record.index, signal: record.signal, message: message, savedAs: saved))
        print("\(run.target.name): input \(record.index) crashed (signal \(record.signal)): \(message)"
              + (saved.map { " -> \($0)" } ?? ""))
        if run.crashes.count >= options.maxCrashes { run.stopped = "stopped after \(options.maxCrashes) crashes" }
    }

    /// Writes `input` as <test target>/Fixtures/fuzz-regressions/<parser>/<FNV-1a hash>.bin; returns the relative path.
    static func save(_ input: [UInt8], of target: FuzzTarget, under root: URL) -> String? {
        let hash = input.reduce(UInt64(0xCBF2_9CE4_8422_2325)) { ($0 ^ UInt64($1)) &* 0x100_0000_01B3 }
        let relative = "Tests/\(target.testTarget)/Fixtures/fuzz-regressions/\(target.name)/\(String(format: "%016llx", hash)).bin"
        let url = root.appendingPathComponent(relative)
        do {
            try FileManager.default.createDirectory(at: url.deletingLastPathComponent(), withIntermediateDirectories: true)
            try Data(input).write(to: url)
            return relative
        } catch {
            print("could not save \(relative): \(error.localizedDescription)")
            return nil
        }
    }

    private static func report(_ runs: [ParserRun], _ options: CampaignOptions) {
        print("")
        print("seed \(options.seed), \(options.inputs) inputs per parser")
        let header = ["parser", "inputs", "inputs/s", "parsed", "rejected", "crashes", "max RSS"]
        var rows = [header]
        for run in runs {
            let rate = run.seconds > 0 ? Int(Double(run.inputs) / run.seconds) : 0
            rows.append([run.target.name, String(run.inputs), String(rate), String(run.parsed), String(run.rejected),
                         String(run.crashes.count), run.maxRSSKilobytes > 0 ? "\(run.maxRSSKilobytes / 1024) MB" : "-"])
        }
        let widths = header.indices.map { column in rows.map { $0[column].count }.max() ?? 0 }
        for row in rows {
            print(row.enumerated().map { column, text in
                column == 0 ? text.padding(toLength: widths[column], withPad: " ", startingAt: 0)
                    : String(repeating: " ", count: widths[column] - text.count) + text
            }.joined(separator: "  "))
        }
        for run in runs {
            if let stopped = run.stopped { print("\(run.target.name): \(stopped)") }
            let messages = Dictionary(grouping: run.crashes, by: \.message)
            for (message, crashes) in messages.sorted(by: { $0.key < $1.key }) {
                print("\(run.target.name): \(crashes.count) crash(es): \(message)")
            }
        }
    }
}
