// DeatFuzz.swift: the `deat-fuzz` command, which fuzzes deat's file parsers (docs/benchmarks.md).
//
//   deat-fuzz [campaign] [--parser all|NAME[,NAME…]] [--inputs 1000000] [--seed 1] [--jobs 2]
//             [--root DIR | --no-save] [--max-crashes 20] [--hang-seconds 20]
//   deat-fuzz worker   --parser NAME --seed S --from I --to J --record FILE [--hang-seconds 20]
//   deat-fuzz input    --parser NAME --seed S --index I --out FILE     (rebuilds one input of a run)
//   deat-fuzz replay   --parser NAME FILE…                             (prints parsed/rejected per file)
//   deat-fuzz seeds    --parser NAME --out DIR                         (the seeds, e.g. as a libFuzzer corpus)
//   deat-fuzz libfuzzer --parser NAME [-- LIBFUZZER-ARGS…]             (only in a -sanitize=fuzzer build)
//
// Parsers: safetensors, idx, idx-gzip, cifar-binary, cifar-pickle, tar. scripts/fuzz.sh builds and runs it.
// Options are parsed by hand: the target depends only on the parsers it fuzzes.

import Foundation

@main
struct DeatFuzz {
    static func main() {
        var arguments = Array(CommandLine.arguments.dropFirst())
        let command = arguments.first.map { $0.hasPrefix("-") ? "campaign" : arguments.removeFirst() } ?? "campaign"
        do {
            let options = try Options(arguments)
            switch command {
            case "campaign": exit(try campaign(options) ? 0 : 1)
            case "worker":
                Worker.run(try options.target(), seed: try options.seed(), from: try options.int("from"),
                           to: try options.int("to"), recordPath: try options.value("record"),
                           hangSeconds: UInt32(try options.int("hang-seconds", default: 20)))
            case "input":
                let target = try options.target()
                let bytes = target.input(seed: try options.seed(), index: try options.int("index"))
                try Data(bytes).write(to: URL(fileURLWithPath: try options.value("out")))
            case "replay":
                let target = try options.target()
                for path in options.positional {
                    let bytes = [UInt8](try Data(contentsOf: URL(fileURLWithPath: path)))
                    print("\(path): \(target.check(bytes) == .parsed ? "parsed" : "rejected")")
                }
            case "seeds":
                let target = try options.target()
                let folder = URL(fileURLWithPath: try options.value("out"))
                try FileManager.default.createDirectory(at: folder, withIntermediateDirectories: true)
                for (i, seed) in target.seeds.enumerated() {
                    try Data(seed.bytes).write(to: folder.appendingPathComponent("seed-\(i).bin"))
                }
            case "libfuzzer": exit(try LibFuzzer.run(try options.target(), arguments: options.passthrough))
            default: throw UsageError("unknown command \(command); see Sources/DeatFuzz/DeatFuzz.swift")
            }
        } catch {
            FileHandle.standardError.write(Data("error: \(error)\n".utf8))
            exit(2)
        }
    }

    static func campaign(_ options: Options) throws -> Bool {
        let names = try options.value("parser", default: "all")
        let targets = try names == "all" ? FuzzTarget.all : names.split(separator: ",").map { name in
            guard let target = FuzzTarget.named(String(name)) else { throw UsageError("unknown parser \(name)") }
            return target
        }
        let root = options.flags.contains("no-save") ? nil
            : URL(fileURLWithPath: try options.value("root", default: FileManager.default.currentDirectoryPath))
        return try Campaign.run(CampaignOptions(
            targets: targets, inputs: try options.int("inputs", default: 1_000_000), seed: try options.seed(),
            jobs: max(1, try options.int("jobs", default: 2)), root: root,
            maxCrashes: try options.int("max-crashes", default: 20),
            hangSeconds: UInt32(try options.int("hang-seconds", default: 20))))
    }
}

struct UsageError: Error, CustomStringConvertible {
    let description: String
    init(_ description: String) { self.description = description }
}

/// `--name value` pairs, bare `--flag`s (no-save), positional arguments, and everything after `--`.
struct Options {
    private var values: [String: String] = [:]
    private(set) var flags: Set<String> = []
    private(set) var positional: [String] = []
    private(set) var passthrough: [String] = []
    private static let bareFlags: Set<String> = ["no-save"]

    init(_ arguments: [String]) throws {
        var rest = arguments[...]
        while let argument = rest.popFirst() {
            if argument == "--" {
                passthrough = Array(rest)
                break
            }
            guard argument.hasPrefix("--") else { positional.append(argument); continue }
            let name = String(argument.dropFirst(2))
            if Self.bareFlags.contains(name) {
                flags.insert(name)
            } else {
                guard let value = rest.popFirst() else { throw UsageError("\(argument) needs a value") }
                values[name] = value
            }
        }
    }

    func value(_ name: String, default fallback: String? = nil) throws -> String {
        guard let value = values[name] ?? fallback else { throw UsageError("missing --\(name)") }
        return value
    }

    func int(_ name: String, default fallback: Int? = nil) throws -> Int {
        let text = try value(name, default: fallback.map(String.init))
        guard let number = Int(text), number >= 0 else { throw UsageError("--\(name) \(text) is not a non-negative integer") }
        return number
    }

    func seed() throws -> UInt64 {
        let text = try value("seed", default: "1")
        guard let seed = UInt64(text) else { throw UsageError("--seed \(text) is not an unsigned integer") }
        return seed
    }

    func target() throws -> FuzzTarget {
        let name = try value("parser")
        guard let target = FuzzTarget.named(name) else {
            throw UsageError("unknown parser \(name); one of \(FuzzTarget.all.map(\.name).joined(separator: ", "))")
        }
        return target
    }
}
