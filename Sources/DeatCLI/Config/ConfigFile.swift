// ConfigFile.swift: `deat <command> --config FILE.yaml` (docs/architecture.md §9.5). The file is a
// flat YAML mapping whose keys are the command's long option names without dashes; each entry
// becomes the token `--key=value` placed before the user's own arguments, so every value goes
// through the same ExpressibleByArgument parsing as the command line (Arguments.swift): there is
// no second parser of option values. A key the user also gives on the command line is dropped
// from the file's tokens, so explicit options win for every option kind (arrays included).
import ArgumentParser
import Foundation
import Yams

/// A problem with a config file, said in one line that names the file and, where there is one, the key.
struct ConfigError: Error, CustomStringConvertible {
    let description: String
    init(file: String, _ message: String) { description = "config \(file): \(message)" }
    init(file: String, key: String, _ message: String) { description = "config \(file): key '\(key)': \(message)" }
}

/// A config file read and checked against one command's options.
struct ConfigFile {
    /// The path as the user gave it (for messages).
    let path: String
    /// The file's entries in file order: key and the tokens it expands to.
    let entries: [(key: String, tokens: [String])]

    /// Reads `path` and checks every key against `options`, the command's declared options.
    init(path: String, options: CommandOptions) throws {
        self.path = path
        let text: String
        do {
            text = try String(contentsOf: URL(fileURLWithPath: path), encoding: .utf8)
        } catch {
            let reason = FileManager.default.fileExists(atPath: path) ? "cannot be read as UTF-8 text" : "no such file"
            throw ConfigError(file: path, reason)
        }
        let root: Node?
        do {
            root = try Yams.compose(yaml: text)
        } catch let error as YamlError {
            throw ConfigError(file: path, "not valid YAML: \(Self.describe(error))")
        } catch {
            throw ConfigError(file: path, "not valid YAML: \(oneLine(error))")
        }
        guard let root else { entries = []; return }  // an empty file sets nothing
        guard case .mapping(let mapping) = root else {
            throw ConfigError(file: path, "expected a mapping of option names to values (key: value lines)")
        }
        var entries: [(key: String, tokens: [String])] = []
        var seen = Set<String>()
        for (keyNode, value) in mapping {
            guard case .scalar(let keyScalar) = keyNode else { throw ConfigError(file: path, "a key must be an option name, got a \(Self.kind(keyNode))") }
            let key = keyScalar.string
            guard seen.insert(key).inserted else { throw ConfigError(file: path, key: key, "given twice") }
            guard let option = options.option(named: key) else {
                let hint = options.closest(to: key).map { " (did you mean '\($0)'?)" } ?? ""
                throw ConfigError(file: path, "unknown key '\(key)'\(hint)")
            }
            entries.append((key, try Self.tokens(for: option, key: key, value: value, file: path)))
        }
        self.entries = entries
    }

    /// The tokens for one entry: `--key=value` for an option (one per list element for a repeating
    /// one), `--key` for a true flag and nothing for a false one (its default).
    static func tokens(for option: CommandOptions.Option, key: String, value: Node, file: String) throws -> [String] {
        switch (option.kind, value) {
        case (.flag, .scalar(let scalar)):
            switch scalar.string.lowercased() {
            case "true", "yes", "on": return ["--\(key)"]
            case "false", "no", "off": return option.inversion.map { ["--\($0)"] } ?? []
            default: throw ConfigError(file: file, key: key, "a switch takes true or false, got '\(scalar.string)'")
            }
        case (.option, .scalar(let scalar)):
            return ["--\(key)=\(scalar.string)"]
        case (.option, .sequence(let list)) where option.isRepeating:
            return try list.map { element in
                guard case .scalar(let scalar) = element else { throw ConfigError(file: file, key: key, "expected a list of single values, got a \(kind(element)) in it") }
                return "--\(key)=\(scalar.string)"
            }
        default:
            throw ConfigError(file: file, key: key, "expected a single value, got a \(kind(value))")
        }
    }

    static func kind(_ node: Node) -> String {
        switch node {
        case .scalar: "single value"
        case .mapping: "mapping"
        case .sequence: "list"
        }
    }

    /// Yams' errors carry a multi-line excerpt; the line and column and the problem are kept.
    static func describe(_ error: YamlError) -> String {
        switch error {
        case .scanner(_, let problem, let mark, _), .parser(_, let problem, let mark, _), .composer(_, let problem, let mark, _):
            "\(problem) at line \(mark.line), column \(mark.column)"
        default:
            String(describing: error).split(separator: "\n").first.map(String.init) ?? "\(error)"
        }
    }

    /// The entries whose option the user did not give explicitly in `arguments` (by any of the
    /// option's names, as `--name`, `--name=value` or `-n`).
    func entries(notGivenIn arguments: [String], options: CommandOptions) -> [(key: String, tokens: [String])] {
        entries.filter { entry in
            guard let option = options.option(named: entry.key) else { return true }
            return !option.spellings.contains { spelling in
                arguments.contains { $0 == spelling || $0.hasPrefix(spelling + "=") }
            }
        }
    }
}
