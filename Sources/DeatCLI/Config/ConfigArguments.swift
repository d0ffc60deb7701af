// ConfigArguments.swift: where `--config FILE` becomes arguments (docs/architecture.md §9.5):
// before argument-parser sees the command line, the file's entries are expanded into tokens after
// the subcommand's name and before the user's own arguments, and an error argument-parser then
// reports about one of those tokens is said as the file's, naming the key.
import ArgumentParser
import Foundation

struct ConfigArguments {
    /// The command line to parse: the subcommand path, the config file's tokens, the user's arguments.
    let arguments: [String]
    /// The file read, if `--config` was given.
    let file: ConfigFile?
    /// The keys whose tokens were used (not overridden on the command line).
    let usedKeys: [String]

    /// Expands `--config FILE` (or `--config=FILE`) in `arguments`, given without the program name.
    init(_ arguments: [String], root: any ParsableCommand.Type) throws {
        var rest = arguments
        var configPath: String?
        var index = 0
        while index < rest.count, rest[index] != "--" {
            if rest[index] == "--config" {
                guard index + 1 < rest.count else { throw CLIError("--config needs a file: --config FILE.yaml") }
                guard configPath == nil else { throw CLIError("--config is given twice; give one file") }
                configPath = rest[index + 1]
                rest.removeSubrange(index...index + 1)
            } else if rest[index].hasPrefix("--config=") {
                guard configPath == nil else { throw CLIError("--config is given twice; give one file") }
                configPath = String(rest[index].dropFirst("--config=".count))
                rest.remove(at: index)
            } else {
                index += 1
            }
        }
        guard let configPath else {
            (self.arguments, file, usedKeys) = (arguments, nil, [])
            return
        }
        // The subcommand path: leading words that name a subcommand, from the root down.
        var command = root
        var path: [String] = []
        while let word = rest.dropFirst(path.count).first,
              let sub = command.configuration.subcommands.first(where: { $0._commandName == word }) {
            path.append(word)
            command = sub
        }
        guard !path.isEmpty, command.configuration.subcommands.isEmpty else {
            throw CLIError("--config goes after a command, e.g. deat train --config FILE.yaml")
        }
        let options = try CommandOptions(root: root, path: path)
        let file = try ConfigFile(path: configPath, options: options)
        let user = Array(rest.dropFirst(path.count))
        let used = file.entries(notGivenIn: user, options: options)
        self.arguments = path + used.flatMap(\.tokens) + user
        self.file = file
        usedKeys = used.map(\.key)
    }

    /// The config key an argument-parser message is about, if it names one of the file's
    /// options (as `--key` not followed by more of a longer name) that came from the file.
    func key(in message: String) -> String? {
        usedKeys.sorted { $0.count > $1.count }.first { key in
            var search = message[...]
            while let range = search.range(of: "--\(key)") {
                let next = search[range.upperBound...].first
                if next.map({ !($0.isLetter || $0.isNumber || $0 == "-") }) ?? true { return true }
                search = search[range.upperBound...]
            }
            return false
        }
    }
}
