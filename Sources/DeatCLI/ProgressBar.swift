// ProgressBar.swift: a one-line progress display on standard error: redrawn in place on a
// terminal, printed every 10% otherwise (logs and CI stay readable).
import Foundation

final class ProgressBar {
    private let total: Int
    private let label: String
    private let start = Date()
    private let isTerminal = isatty(STDERR_FILENO) == 1
    private var lastDraw = Date.distantPast
    private var lastDecile = -1

    init(total: Int, label: String) {
        self.total = max(total, 1)
        self.label = label
    }

    /// Shows `done` of `total` with extra fields such as "loss 0.512".
    func update(_ done: Int, _ fields: String = "") {
        let now = Date()
        let fraction = Double(done) / Double(total)
        let elapsed = now.timeIntervalSince(start)
        let eta = done > 0 ? elapsed / Double(done) * Double(total - done) : 0
        let text = "\(label) \(done)/\(total) \(fields) ETA \(Self.format(eta))"
        if isTerminal {
            guard now.timeIntervalSince(lastDraw) > 0.1 || done == total else { return }
            lastDraw = now
            let width = 24, filled = Int(fraction * Double(width))
            let bar = String(repeating: "█", count: filled) + String(repeating: "·", count: width - filled)
            FileHandle.standardError.write(Data("\r\u{1B}[2K\(bar) \(text)".utf8))
        } else {
            let decile = Int(fraction * 10)
            guard decile != lastDecile else { return }
            lastDecile = decile
            FileHandle.standardError.write(Data("\(text)\n".utf8))
        }
    }

    /// Ends the line.
    func finish() {
        if isTerminal { FileHandle.standardError.write(Data("\n".utf8)) }
    }

    static func format(_ seconds: Double) -> String {
        let s = Int(seconds.rounded())
        return s >= 3600 ? String(format: "%d:%02d:%02d", s / 3600, s / 60 % 60, s % 60) : String(format: "%d:%02d", s / 60, s % 60)
    }
}
