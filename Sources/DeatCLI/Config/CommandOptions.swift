// CommandOptions.swift: which options a command declares, so a config file's keys are checked
// against the command itself (docs/architecture.md §9.5). Read from argument-parser's own
// description of a command (`--experimental-dump-help`, its ToolInfo JSON), the same one its
// manual and completion generators use, rather than a second list kept by hand.
import ArgumentParser
import Foundation

struct CommandOptions {
    struct Option {
        enum Kind { case option, flag }
        let kind: Kind
        /// The long name without dashes: the config key.
        let key: String
        let isRepeating: Bool
        /// A flag's `no-` form, when it has one (`false` in a config file then writes it).
        let inversion: String?
        /// Every way the command line can spell it: `--key`, and `-k` for a short name.
        let spellings: [String]
    }

    /// The command's options by key; positional arguments and help flags are not among them.
    let options: [String: Option]

    func option(named key: String) -> Option? { options[key] }

    /// The declared key nearest to `key` in edit distance, when it is a plausible typo.
    func closest(to key: String) -> String? {
        let best = options.keys.map { ($0, editDistance(Array(key), Array($0))) }.min { ($0.1, $0.0) < ($1.1, $1.0) }
        guard let best, best.1 <= max(2, key.count / 3) else { return nil }
        return best.0
    }

    /// The options of the subcommand at `path` (e.g. ["bench", "paper"]) of `root`.
    init(root: any ParsableCommand.Type, path: [String]) throws {
        let json: String
        do {
            _ = try root.parseAsRoot(path + ["--experimental-dump-help"])
            throw CLIError("argument-parser did not describe \(path.joined(separator: " "))")
        } catch let error as CLIError {
            throw error
        } catch {
            json = root.fullMessage(for: error)
        }
        let info = try JSONDecoder().decode(ToolInfo.self, from: Data(json.utf8))
        var command = info.command
        // The description is of the innermost command, or of the root with its subcommands.
        for name in path where command.commandName != path.last {
            guard let next = command.subcommands?.first(where: { $0.commandName == name }) else { break }
            command = next
        }
        var options: [String: Option] = [:]
        for argument in command.arguments ?? [] where argument.kind != "positional" {
            let names = argument.names ?? []
            let longs = names.filter { $0.kind == "long" }.map(\.name)
            guard let key = longs.first(where: { !$0.hasPrefix("no-") }) ?? longs.first,
                  !["help", "version", "experimental-dump-help"].contains(key) else { continue }
            let spellings = names.map { $0.kind == "short" ? "-\($0.name)" : "--\($0.name)" }
            options[key] = Option(
                kind: argument.kind == "flag" ? .flag : .option, key: key, isRepeating: argument.isRepeating,
                inversion: longs.first { $0 == "no-\(key)" }, spellings: spellings)
        }
        self.options = options
    }

    /// The part of argument-parser's ToolInfo (serialization version 0) read here.
    private struct ToolInfo: Decodable {
        struct Name: Decodable { let kind: String; let name: String }
        struct Argument: Decodable { let kind: String; let names: [Name]?; let isRepeating: Bool }
        struct Command: Decodable { let commandName: String; let subcommands: [Command]?; let arguments: [Argument]? }
        let command: Command
    }
}

/// Levenshtein distance between two character arrays.
private func editDistance(_ a: [Character], _ b: [Character]) -> Int {
    var previous = Array(0...b.count)
    for (i, x) in a.enumerated() {
        var current = [i + 1] + Array(repeating: 0, count: b.count)
        for (j, y) in b.enumerated() {
            current[j + 1] = min(previous[j + 1] + 1, current[j] + 1, previous[j] + (x == y ? 0 : 1))
        }
        previous = current
    }
    return previous[b.count]
}
