// FetchError.swift: why `deat data fetch` failed, as one line that names the file or URL and says
// what the user can do (docs/datasets.md §6). The CLI prints `description` and exits 1.
import Foundation

/// A download that could not be completed, or a file in the way.
public enum FetchError: Error, CustomStringConvertible, Sendable, Equatable {
    /// Every mirror refused or failed; one `URL: reason` per mirror tried.
    case unavailable(file: String, attempts: [String])
    /// The transfer ended before the promised length; `part` keeps what arrived, for resuming.
    case truncated(url: String, received: Int64, expected: Int64?, part: String, reason: String)
    /// The complete download does not have the published MD5; it has been removed.
    case checksumMismatch(url: String, actual: String, expected: String)
    /// A file already under the final name has another MD5: not the published file, left alone.
    case foreignFile(path: String, actual: String, expected: String)
    /// Another process holds the lock of the `.part` file.
    case busy(part: String)
    /// A local file operation failed (directory, `.part` file, rename).
    case io(path: String, operation: String, message: String)

    public var description: String {
        switch self {
        case let .unavailable(file, attempts):
            return "could not download \(file): \(attempts.joined(separator: "; "))"
        case let .truncated(url, received, expected, part, reason):
            let of = expected.map { " of \($0)" } ?? ""
            return "\(url): transfer broke off after \(received)\(of) bytes (\(reason)); "
                + "\(part) keeps them: run the same command again to resume"
        case let .checksumMismatch(url, actual, expected):
            return "\(url): MD5 \(actual) is not the published \(expected); the download was removed "
                + "(a damaged transfer or a wrong mirror: run again, or give another --mirror)"
        case let .foreignFile(path, actual, expected):
            return "\(path) already exists and its MD5 \(actual) is not the published \(expected); "
                + "deat leaves it alone: remove it, or fetch into another directory"
        case let .busy(part):
            return "\(part) is being written by another deat data fetch; wait for it or stop it"
        case let .io(path, operation, message):
            return "\(path): \(operation) failed: \(message)"
        }
    }
}
