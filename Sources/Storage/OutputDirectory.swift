// OutputDirectory.swift: makes sure a directory deat is about to write into exists and is
// writable, before any work, with an error that names what is in the way. Foundation's own
// createDirectory error is "The operation could not be completed. (NSCocoaErrorDomain error 512.)"
// for a file sitting where a parent directory should be; this says "/x/runs is a file, not a
// directory". (It sits beside AtomicFile, which then writes into the directory.)
//
//   try OutputDirectory.prepare(URL(fileURLWithPath: "runs/m"))
import Foundation

/// Makes sure a directory deat is about to write into exists and is writable, before any work, with
/// an error that names what is in the way (for example a file where a parent directory should be).
public enum OutputDirectory {
    /// Creates `url` and its missing parents; throws unless it ends up a writable directory.
    public static func prepare(_ url: URL) throws(OutputDirectoryError) {
        let path = url.standardizedFileURL.path
        try create(path, for: path)
        // access(2) rather than isWritableFile, to have errno's wording; root passes it always.
        guard access(path, W_OK | X_OK) == 0 else {
            throw OutputDirectoryError(path: path, reason: "it is not writable (\(String(cString: strerror(errno))))")
        }
    }

    /// Prepares the directory a file at `url` will be written into.
    public static func prepare(parentOf url: URL) throws(OutputDirectoryError) {
        try prepare(url.deletingLastPathComponent())
    }

    /// mkdir -p, parents first, so the error names the first component that is in the way.
    private static func create(_ path: String, for target: String) throws(OutputDirectoryError) {
        var isDirectory: ObjCBool = false
        if FileManager.default.fileExists(atPath: path, isDirectory: &isDirectory) {
            guard isDirectory.boolValue else {
                throw OutputDirectoryError(path: target, reason: path == target ? "it is a file, not a directory" : "\(path) is a file, not a directory")
            }
            return
        }
        let parent = (path as NSString).deletingLastPathComponent
        if !parent.isEmpty, parent != path { try create(parent, for: target) }
        guard mkdir(path, 0o777) == 0 || errno == EEXIST else {
            throw OutputDirectoryError(path: target, reason: "mkdir \(path): \(String(cString: strerror(errno)))")
        }
    }
}

/// One line: which directory cannot be used, and why.
public struct OutputDirectoryError: Error, CustomStringConvertible, Sendable {
    public let path: String
    public let reason: String
    public var description: String { "cannot write into \(path): \(reason)" }
}
