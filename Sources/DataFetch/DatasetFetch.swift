// DatasetFetch.swift: `deat data fetch`'s work (docs/datasets.md §6). Each published file is
// downloaded into `NAME.part` beside its final name, resumed from that file's length on the next
// run, checked against its MD5, and only when every file of the dataset is complete and verified
// are the `.part` files renamed to their final names. So the final names only ever hold verified
// files, and a reader never finds half a dataset (a crash between two renames aside, which the
// next run completes). A file already under its final name is hashed: the published MD5 means
// nothing to do; another one is someone else's file and is left alone (an error).
//
//   let report = try DatasetFetch.fetch(.cifar10, into: URL(fileURLWithPath: "data/cifar10")) { print($0) }
//   report.alreadyPresent   // true on a second run
import Foundation
import Storage

/// What happened to each file, and where the dataset now is.
public struct FetchReport: Sendable, Equatable {
    /// What happened to one file.
    public enum FileState: Sendable, Equatable {
        /// It was there, with the published MD5: not downloaded.
        case present
        /// Downloaded in one go (or restarted from its first byte).
        case downloaded
        /// Completed from a `.part` file left by an earlier run (a Range request, or already whole).
        case resumed
    }
    public let source: DatasetSource
    /// The directory holding the files, absolute.
    public let directory: URL
    /// Each of `source.files`' state, in order.
    public let states: [FetchReport.FileState]

    /// Nothing was downloaded: every file was already there and verified.
    public var alreadyPresent: Bool { states.allSatisfy { $0 == .present } }

    /// The command that trains on this data, ready to paste.
    public var trainCommand: String {
        "deat train --dataset \(source.name) --data-dir \(shellQuoted(directory.path))"
    }

    /// What `deat data fetch` prints: where the data is, and the command to train on it.
    public var summary: [String] {
        let count = "\(states.count) file\(states.count == 1 ? "" : "s")"
        let tally = [(FileState.downloaded, "downloaded"), (.resumed, "completed from a .part file"), (.present, "already there")]
            .map { state, words in (states.filter { $0 == state }.count, words) }
            .filter { $0.0 > 0 }.map { "\($0.0) \($0.1)" }.joined(separator: ", ")
        let first = alreadyPresent
            ? "\(source.name) is already in \(directory.path) (\(count), MD5 verified): nothing to download"
            : "\(source.name) is in \(directory.path) (\(count), MD5 verified: \(tally))"
        return [first, "train with: \(trainCommand)"]
    }
}

/// Progress of a fetch, for a progress display.
public enum FetchEvent: Sendable, Equatable {
    /// Starting `url`; `from` bytes of it are already in the `.part` file (0 for a fresh start).
    case downloading(file: String, url: URL, from: Int64)
    /// `received` bytes of `file` are on disk, of `expected` when the server said so.
    case progress(file: String, received: Int64, expected: Int64?)
    /// The request for `file` ended (completed, failed, or moved on to the next mirror).
    case ended(file: String)
    /// Computing `file`'s MD5.
    case verifying(file: String)
}

/// `deat data fetch`: downloads a dataset's published files into `.part` files, resumes them,
/// checks their MD5 and renames them only when every file is complete, so the final names only
/// ever hold verified files.
public enum DatasetFetch {
    /// How long a connection may stay silent before the transfer counts as broken.
    public static let idleTimeout: TimeInterval = 60

    /// Fetches every file of `source` into `directory` (created if needed); see the file comment.
    /// - Throws: `FetchError`, in one line; the final names then hold nothing new.
    public static func fetch(_ source: DatasetSource, into directory: URL,
                             events: (FetchEvent) -> Void = { _ in }) throws(FetchError) -> FetchReport {
        let directory = directory.standardizedFileURL
        try makeDirectory(directory)
        fetchLog.debug("\(source.name): \(source.files.count) files into \(directory.path), mirrors \(source.mirrors.map(\.absoluteString).joined(separator: ", "))")
        // Every final name first, so that a file in the way stops the fetch before any download.
        var states: [FetchReport.FileState?] = []
        for file in source.files {
            let final = directory.appendingPathComponent(file.name)
            guard FileManager.default.fileExists(atPath: final.path) else {
                states.append(nil)
                continue
            }
            events(.verifying(file: file.name))
            let actual = try md5(of: final)
            guard actual == file.md5 else { throw .foreignFile(path: final.path, actual: actual, expected: file.md5) }
            fetchLog.debug("\(final.path) is already there with the published MD5 \(file.md5)")
            states.append(.present)
        }
        // Then each missing file into its .part, all of them verified before any is renamed.
        var parts: [(PartFile, URL)] = []
        defer { for (part, _) in parts { part.release() } }
        for (index, file) in source.files.enumerated() where states[index] == nil {
            let part = try PartFile.openLocked(directory.appendingPathComponent(file.name + ".part"))
            parts.append((part, directory.appendingPathComponent(file.name)))
            states[index] = try download(file, from: source.mirrors, into: part, events: events)
        }
        for (part, final) in parts {
            try part.publish(as: final)
        }
        if !parts.isEmpty { AtomicFile.syncDirectory(directory) }
        return FetchReport(source: source, directory: directory, states: states.map { $0! })
    }

    /// Fills `part` with `file` and checks its MD5: a `.part` already whole is not fetched again, one
    /// partly there is resumed, and each mirror is tried in turn while they answer "no such file",
    /// cannot be reached, or send other bytes than the published ones.
    static func download(_ file: DatasetSource.File, from mirrors: [URL], into part: PartFile,
                         events: (FetchEvent) -> Void) throws(FetchError) -> FetchReport.FileState {
        var resumed = false
        let kept = try part.length()
        if kept > 0 {
            events(.verifying(file: file.name))
            if try md5(of: part.url) == file.md5 { return .resumed }
            resumed = true
            fetchLog.debug("\(part.url.path) holds \(kept) bytes of an earlier run: resuming with a Range request")
        }
        var attempts: [String] = []
        var mirrorIndex = 0
        var restarts = 0
        while mirrorIndex < mirrors.count {
            let url = mirrors[mirrorIndex].appendingPathComponent(file.name)
            let offset = try part.length()
            events(.downloading(file: file.name, url: url, from: offset))
            let outcome = HTTPTransfer.run(url, into: part.descriptor, offset: offset, timeout: idleTimeout) { counts in
                events(.progress(file: file.name, received: counts.received, expected: counts.expected))
            }
            events(.ended(file: file.name))
            switch outcome {
            case .finished(let wasResumed):
                resumed = resumed && wasResumed
                events(.verifying(file: file.name))
                let actual = try md5(of: part.url)
                if actual == file.md5 { return resumed ? .resumed : .downloaded }
                // Wrong bytes are no use for resuming. Another mirror may still have the right ones
                // (torchvision stops here; a page served in place of a file should not end the fetch).
                try part.truncate()
                resumed = false
                if attempts.isEmpty && mirrorIndex == mirrors.count - 1 {
                    part.discard()
                    throw .checksumMismatch(url: url.absoluteString, actual: actual, expected: file.md5)
                }
                attempts.append("\(url.absoluteString): MD5 \(actual) is not the published \(file.md5)")
                mirrorIndex += 1
            case .rangeNotSatisfiable where restarts == 0:
                // The .part is at least as long as the file, yet not it: start again from byte 0, once.
                restarts += 1
                try part.truncate()
                resumed = false
            case .rangeNotSatisfiable:
                attempts.append("\(url.absoluteString): HTTP 416 (range not satisfiable) twice")
                mirrorIndex += 1
            case .httpStatus(let status):
                fetchLog.debug("\(url.absoluteString) answered HTTP \(status); trying the next mirror")
                attempts.append("\(url.absoluteString): HTTP \(status)\(status == 404 ? " (not found)" : "")")
                mirrorIndex += 1
            case .unreachable(let reason):
                fetchLog.debug("\(url.absoluteString) unreachable (\(reason)); trying the next mirror")
                attempts.append("\(url.absoluteString): \(reason)")
                mirrorIndex += 1
            case .broken(let received, let expected, let reason):
                throw .truncated(url: url.absoluteString, received: received, expected: expected, part: part.url.path, reason: reason)
            case .writeFailed(let message):
                throw .io(path: part.url.path, operation: "writing", message: message)
            }
        }
        if try part.length() == 0 { part.discard() }  // an empty .part would only say "resume" for nothing
        throw .unavailable(file: file.name, attempts: attempts)
    }

    /// The MD5 of a file's contents, read in 1 MiB pieces.
    static func md5(of url: URL) throws(FetchError) -> String {
        guard let handle = FileHandle(forReadingAtPath: url.path) else {
            throw .io(path: url.path, operation: "reading", message: String(cString: strerror(errno)))
        }
        defer { try? handle.close() }
        var digest = MD5()
        do {
            while let chunk = try handle.read(upToCount: 1 << 20), !chunk.isEmpty { digest.update(chunk) }
        } catch {
            throw .io(path: url.path, operation: "reading", message: "\(error)")
        }
        return digest.hexDigest
    }

    private static func makeDirectory(_ directory: URL) throws(FetchError) {
        var isDirectory: ObjCBool = false
        if FileManager.default.fileExists(atPath: directory.path, isDirectory: &isDirectory) {
            guard isDirectory.boolValue else {
                throw .io(path: directory.path, operation: "using it as the data directory", message: "it is a file, not a directory")
            }
            return
        }
        do {
            try FileManager.default.createDirectory(at: directory, withIntermediateDirectories: true)
        } catch {
            let message = ((error as NSError).userInfo[NSUnderlyingErrorKey] as? NSError).map { String(cString: strerror(Int32($0.code))) }
            throw .io(path: directory.path, operation: "creating the directory", message: message ?? "\(error)")
        }
    }
}

/// `text` as one shell word: unchanged when it needs no quoting, else in single quotes.
func shellQuoted(_ text: String) -> String {
    let plain = text.allSatisfy { $0.isLetter || $0.isNumber || "/._-+=:@,%".contains($0) }
    return plain && !text.isEmpty ? text : "'" + text.replacingOccurrences(of: "'", with: "'\\''") + "'"
}
