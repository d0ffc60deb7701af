// PartFile.swift: a download in progress, `NAME.part` beside the final `NAME` (docs/datasets.md §6).
// It is opened with an exclusive lock, so two fetches into one directory cannot interleave their
// bytes, and becomes `NAME` only by rename(2) after its MD5 has been checked: never a partial file
// under the final name.
import Foundation
import Storage

/// An open, locked `.part` file.
final class PartFile {
    let url: URL
    /// Open for reading and writing, positioned at its end; -1 once closed.
    private(set) var descriptor: Int32

    private init(url: URL, descriptor: Int32) {
        self.url = url
        self.descriptor = descriptor
    }

    /// Opens (creating if needed) and locks `url`, positioned at its end for appending.
    static func openLocked(_ url: URL) throws(FetchError) -> PartFile {
        let fd = open(url.path, O_RDWR | O_CREAT | O_CLOEXEC, 0o644)
        guard fd >= 0 else { throw .io(path: url.path, operation: "opening", message: String(cString: strerror(errno))) }
        guard flock(fd, LOCK_EX | LOCK_NB) == 0 else {
            let busy = errno == EWOULDBLOCK
            let message = String(cString: strerror(errno))
            close(fd)
            throw busy ? .busy(part: url.path) : .io(path: url.path, operation: "locking", message: message)
        }
        let part = PartFile(url: url, descriptor: fd)
        guard lseek(fd, 0, SEEK_END) >= 0 else { throw part.failure("seeking") }
        return part
    }

    /// Its length in bytes (what a Range request resumes from).
    func length() throws(FetchError) -> Int64 {
        var info = stat()
        guard fstat(descriptor, &info) == 0 else { throw failure("reading its size") }
        return Int64(info.st_size)
    }

    /// Empties it, to download from byte 0.
    func truncate() throws(FetchError) {
        guard ftruncate(descriptor, 0) == 0, lseek(descriptor, 0, SEEK_SET) == 0 else { throw failure("truncating") }
    }

    /// Syncs it to disk and renames it to `final` (same directory, so the rename is atomic).
    func publish(as final: URL) throws(FetchError) {
        guard fsync(descriptor) == 0 else { throw failure("syncing") }
        guard rename(url.path, final.path) == 0 else {
            throw .io(path: url.path, operation: "renaming it to \(final.lastPathComponent)", message: String(cString: strerror(errno)))
        }
    }

    /// Removes it (its bytes are of no use for resuming) and closes it.
    func discard() {
        unlink(url.path)
        release()
    }

    /// Closes it, which also releases the lock.
    func release() {
        guard descriptor >= 0 else { return }
        close(descriptor)
        descriptor = -1
    }

    deinit { release() }

    private func failure(_ operation: String) -> FetchError {
        .io(path: url.path, operation: operation, message: String(cString: strerror(errno)))
    }
}
