// ResolvedConfig.swift: the configuration a run resolved, written as a config file of its own
// (docs/architecture.md §9.5): every option with its value as used, defaults included, under the
// keys `--config` reads, so `deat train --config runs/x/config.yaml --out runs/y` reruns it.
import Foundation
import Storage

struct ResolvedConfig {
    /// The command as typed before `--config` (e.g. "train").
    let command: String
    /// Key and value text, in the order the file lists them; each value reads back through the
    /// option's own parser.
    let entries: [(key: String, value: String)]

    /// The file's text: a header saying how to rerun it, then one `key: value` line per entry.
    func yaml(rerunHint: String) -> String {
        var lines = [
            "# The configuration of this deat \(command) run, every option as resolved (defaults included).",
            "# Rerun it with: \(rerunHint)",
            "# Options given on the command line win over these.",
        ]
        lines += entries.map { "\($0.key): \(Self.scalar($0.value))" }
        return lines.joined(separator: "\n") + "\n"
    }

    /// Writes the file atomically, unless it already holds these bytes: a resumed eval or bench
    /// rewrites nothing it need not (and a full disk then fails on the state it must write).
    func write(to url: URL, rerunHint: String) throws {
        let data = Data(yaml(rerunHint: rerunHint).utf8)
        if (try? Data(contentsOf: url)) == data { return }
        try AtomicFile.write(data, to: url)
    }

    /// The value as a YAML scalar: plain when YAML reads it back as the same text, single-quoted
    /// (quotes doubled) otherwise, e.g. a path with ': ' or '#', or an empty string.
    static func scalar(_ value: String) -> String {
        let plain = CharacterSet(charactersIn: "abcdefghijklmnopqrstuvwxyzABCDEFGHIJKLMNOPQRSTUVWXYZ0123456789_./,+-")
        let isPlain = !value.isEmpty && value.unicodeScalars.allSatisfy(plain.contains) && !value.hasPrefix("-") || Double(value) != nil
        return isPlain ? value : "'" + value.replacingOccurrences(of: "'", with: "''") + "'"
    }
}
