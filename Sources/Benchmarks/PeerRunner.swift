// PeerRunner.swift: the one way a benchmark runs its PyTorch peer, a script in scripts/bench (shared
// helpers in scripts/bench/common.py), and reads its result. The interpreter and the script are
// checked before any timing starts, the thread count is always passed explicitly (`--threads N`,
// because libtorch's own default differs between deat and PyTorch), and the result is the JSON object
// the script prints last. A peer that fails is one error line with the tail of its standard error.
// Children run through ChildProcess (swift-subprocess). Each side reports its own peak resident
// memory in its result (`peak_rss_kib`, getrusage(RUSAGE_SELF).ru_maxrss: scripts/bench/common.py's
// emit, ResidentMemory.peakKiB for `deat bench peer-run`), so both sides are measured alike.
import Foundation
import Torch

/// Runs the PyTorch peer scripts of `deat bench`.
public struct PeerRunner: Sendable {
    /// Debian's interpreter, which has python3-torch on the same libtorch as deat.
    public static let defaultPython = "/usr/bin/python3"
    /// Where the peer scripts live, relative to the repository root.
    public static let defaultDirectory = "scripts/bench"

    public var python: String
    public var directory: String
    /// libtorch intra-op threads, passed to every script as `--threads`.
    public var threads: Int

    public init(python: String = defaultPython, directory: String = defaultDirectory, threads: Int) {
        self.python = python
        self.directory = directory
        self.threads = threads
    }

    /// The path of `script`, after checking that it and the interpreter exist; each failure is one
    /// line that names the fix. Call it before timing anything, so that nothing runs in vain.
    @discardableResult
    public func check(_ script: String) throws -> String {
        guard FileManager.default.isExecutableFile(atPath: python) else {
            throw TorchError("\(python) not found: install Debian's python3-torch (scripts/dev.sh deps) or pass --python an interpreter that has torch")
        }
        let path = directory + "/" + script
        guard FileManager.default.fileExists(atPath: path) else {
            throw TorchError("\(path) not found: run deat from the repository root or pass --peers")
        }
        return path
    }

    /// glibc's settings that make it keep freed memory as deat does at start-up
    /// (Runtime.keepFreedMemory), for a peer run "at equal allocator settings" (docs/benchmarks.md).
    public static let equalAllocator = ["MALLOC_MMAP_THRESHOLD_": "1073741824", "MALLOC_TRIM_THRESHOLD_": "1073741824"]

    /// Runs `script` with `arguments` and `--threads N` (and `environment` added to this process's)
    /// and returns the JSON object it printed last, with the child's peak resident memory.
    public func run(_ script: String, _ arguments: [String], environment: [String: String] = [:]) throws -> PeerResult {
        let path = try check(script)
        let name = "the PyTorch peer \(path)"
        let run = try ChildProcess.run(python, [path] + arguments + ["--threads", String(threads)], name: name, environment: environment)
        return try PeerResult(parsing: run, from: name)
    }
}

/// A benchmark whose deat side and PyTorch peer each give one time (step, ops), compared as a ratio.
public protocol PeerTimed {
    /// The peer script in scripts/bench.
    static var peerScript: String { get }
    /// Its arguments for the same work (PeerRunner adds --threads).
    var peerArguments: [String] { get }
    /// deat's time.
    func measureDeat() throws -> Double
    /// The peer's time, from its result.
    static func peerSeconds(_ result: PeerResult) throws -> Double
}

extension PeerRunner {
    /// Checks the peer, then `rounds` alternating measurements of `bench`, deat first; the medians.
    public func compare<B: PeerTimed>(_ bench: B, rounds: Int) throws -> (deat: Double, peer: Double) {
        try check(B.peerScript)
        return try Timing.alternate(rounds: rounds, deat: bench.measureDeat, peer: { try B.peerSeconds(run(B.peerScript, bench.peerArguments)) })
    }
}

/// What a peer printed last: one JSON object, read through typed accessors.
public struct PeerResult {
    public let json: [String: Any]
    /// The child's peak resident set size in KiB, as it reported it.
    public let peakKiB: Int
    /// Who printed it, for error messages ("the PyTorch peer scripts/bench/step.py").
    public let source: String

    /// The last line of `run`'s standard output that is a JSON object; its `peak_rss_kib` (the
    /// child's own getrusage) is the peak memory, 0 when it reports none.
    public init(parsing run: ChildRun, from source: String) throws {
        let lines = run.output.split(whereSeparator: \.isNewline).reversed()
        guard let object = lines.lazy.compactMap({ Self.object(String($0)) }).first else {
            throw TorchError("\(source) printed no JSON result\(ChildRun.tail(run.errorOutput).map { ": \($0)" } ?? "")")
        }
        self.init(json: object, peakKiB: Self.number(object[ResidentMemory.resultKey]).map { Int($0) } ?? 0, source: source)
    }

    public init(json: [String: Any], peakKiB: Int = 0, source: String) {
        self.json = json
        self.peakKiB = peakKiB
        self.source = source
    }

    static func object(_ line: String) -> [String: Any]? {
        let trimmed = line.trimmingCharacters(in: .whitespaces)
        guard trimmed.hasPrefix("{") else { return nil }
        return (try? JSONSerialization.jsonObject(with: Data(trimmed.utf8))) as? [String: Any]
    }

    /// A number (JSON integers and floats alike).
    public func double(_ key: String) throws -> Double {
        guard let value = Self.number(json[key]) else { throw missing(key) }
        return value
    }

    public func int(_ key: String) throws -> Int {
        guard let value = Self.number(json[key]) else { throw missing(key) }
        return Int(value)
    }

    /// A list of numbers.
    public func doubles(_ key: String) throws -> [Double] {
        guard let list = json[key] as? [Any] else { throw missing(key) }
        let values = list.compactMap(Self.number)
        guard values.count == list.count else { throw missing(key) }
        return values
    }

    public func ints(_ key: String) throws -> [Int] { try doubles(key).map { Int($0) } }

    /// A nested object, as a result of its own (the throughput peer's per-work figures).
    public func object(_ key: String) throws -> PeerResult {
        guard let nested = json[key] as? [String: Any] else { throw missing(key) }
        return PeerResult(json: nested, peakKiB: peakKiB, source: source)
    }

    static func number(_ value: Any?) -> Double? {
        switch value {
        case let v as Double: v
        case let v as Int: Double(v)
        case let v as NSNumber: v.doubleValue
        default: nil
        }
    }

    func missing(_ key: String) -> TorchError { TorchError("\(source)'s result has no \(key) figure") }
}
