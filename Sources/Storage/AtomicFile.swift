// AtomicFile.swift: atomic replacement of one file. Write a temp file in the destination's
// directory, fsync, rename over the destination, fsync the directory. A crash leaves either the old
// file or the new one, never a torn file; a failure before the rename removes the temp file and
// leaves the old file untouched. Checkpoints, logs, reports and evaluation state all go through it.
//
//   try AtomicFile.write(Data(json.utf8), to: URL(fileURLWithPath: "runs/m/log.jsonl"))
import Foundation

/// A write that failed: which file, which operation, and the system's words for why.
public struct FileWriteError: Error, CustomStringConvertible, Sendable {
    /// The destination's file name (not the temp file's).
    public let file: String
    /// What was being done, e.g. "writing /x/eval.json".
    public let operation: String
    public let message: String
    public var description: String { "\(file): \(operation) failed: \(message)" }
}

/// Atomic replace of one file via a uniquely named temp file next to it (`.NAME.tmp-UUID`): a reader
/// sees the old file or the new one, never a mix, also after a crash. deat's logs use it too.
public enum AtomicFile {
    /// Temp files a killed writer may have left in a directory (they never replaced anything).
    public static func isLeftoverTemporary(_ name: String) -> Bool {
        name.hasPrefix(".") && name.contains(".tmp-")
    }

    /// Removes the temp files that killed writes of `url` left next to it; returns their names.
    /// (A run directory is deat's alone and loses every leftover; a report may sit among other files.)
    public static func removeLeftovers(of url: URL) -> [String] {
        let directory = url.deletingLastPathComponent()
        let prefix = ".\(url.lastPathComponent).tmp-"
        let names = (try? FileManager.default.contentsOfDirectory(atPath: directory.path)) ?? []
        let leftovers = names.filter { $0.hasPrefix(prefix) }
        for name in leftovers { try? FileManager.default.removeItem(at: directory.appendingPathComponent(name)) }
        return leftovers
    }

    /// Atomically replaces `url` with `data`.
    public static func write(_ data: Data, to url: URL) throws(FileWriteError) {
        try write(to: url) { handle in
            // In two halves, so that a test can kill the process with the temp file half written.
            let half = data.startIndex + data.count / 2
            try handle.write(contentsOf: data[..<half])
            partlyWritten(url)
            try handle.write(contentsOf: data[half...])
        }
    }

    /// The fault-injection point between a partial write of `url`'s temp file and the rest.
    public static func partlyWritten(_ url: URL) {
        FaultInjection.reached("write:" + url.lastPathComponent)
    }

    /// Writes through `body` into a temporary file beside `url`, then syncs and renames it over `url`; on
    /// any failure `url` keeps its old content.
    public static func write(to url: URL, _ body: (FileHandle) throws -> Void) throws(FileWriteError) {
        let source = url.lastPathComponent
        func ioError(_ operation: String, _ message: String) -> FileWriteError {
            FileWriteError(file: source, operation: operation, message: message)
        }
        let directory = url.deletingLastPathComponent()
        // Same directory as the target: rename(2) is only atomic within one file system.
        let temp = directory.appendingPathComponent(".\(source).tmp-\(UUID().uuidString)")
        // O_EXCL: never reuse or follow something already at the temp path.
        let fd = open(temp.path, O_WRONLY | O_CREAT | O_EXCL | O_CLOEXEC, 0o644)
        // Named after the destination, not the temp file: "writing /x/r.json failed: Not a directory".
        guard fd >= 0 else { throw ioError("writing \(url.path)", String(cString: strerror(errno))) }
        let handle = FileHandle(fileDescriptor: fd, closeOnDealloc: false)
        do {
            defer { close(fd) }  // exactly once, whether or not writing succeeded
            try body(handle)
            try handle.synchronize()  // fsync: the data is on disk before the name points at it
        } catch {
            unlink(temp.path)
            // Disk full (ENOSPC) and `ulimit -f` (EFBIG, with SIGXFSZ ignored) end here: say so plainly.
            throw ioError("writing \(url.path)", "\(systemMessage(error)); the previous \(source), if any, is unchanged")
        }
        FaultInjection.reached("rename:" + source)
        guard rename(temp.path, url.path) == 0 else {
            let message = String(cString: strerror(errno))
            unlink(temp.path)
            throw ioError("renaming \(temp.path) to \(url.path)", message)
        }
        FaultInjection.reached("renamed:" + source)
        syncDirectory(directory)
    }

    /// Persists the renames done in `directory` (fsync of the directory itself). Best effort: some
    /// file systems refuse fsync on directories. Also for writers that rename their own temp files
    /// (a download's `.part`, DataFetch).
    public static func syncDirectory(_ directory: URL) {
        let dirFD = open(directory.path, O_RDONLY | O_DIRECTORY | O_CLOEXEC)
        if dirFD >= 0 {
            _ = fsync(dirFD)
            close(dirFD)
        }
    }
}

/// strerror's text ("File too large") for a failed FileHandle write, rather than NSError's
/// multi-part description; anything else as it describes itself.
private func systemMessage(_ error: any Error) -> String {
    let ns = error as NSError
    if ns.domain == NSPOSIXErrorDomain { return String(cString: strerror(Int32(ns.code))) }
    if let underlying = ns.userInfo[NSUnderlyingErrorKey] as? NSError, underlying.domain == NSPOSIXErrorDomain {
        return String(cString: strerror(Int32(underlying.code)))
    }
    return "\(error)"
}
