// HTTPTransfer.swift: one HTTP GET appended to a `.part` file, resuming with a Range request
// (docs/datasets.md §6). URLSession (FoundationNetworking over libcurl on Linux) does the HTTP; this
// file decides what each answer means for the bytes already on disk:
//
//   206 from the requested offset   append: the server resumed
//   200                             the server ignored Range (or none was asked): write from byte 0
//   416                             nothing to send from that offset: the caller starts over
//   anything else                   this mirror has no such file; nothing is written
//
// The caller's thread waits here and is the one that reports progress, so a progress callback need
// not be thread-safe; URLSession's delegate queue only writes bytes and records counts.
import Foundation
#if canImport(FoundationNetworking)
import FoundationNetworking
#endif

/// How one request ended.
enum TransferOutcome: Equatable {
    /// The whole body is on disk; `resumed` when it was appended after earlier bytes.
    case finished(resumed: Bool)
    /// 416: the offset is at or past the end of the file the server has.
    case rangeNotSatisfiable
    /// An HTTP status other than 200, 206 or 416, before any byte was written.
    case httpStatus(Int)
    /// The connection failed before any of the body came (refused, no such host, timeout, closed).
    case unreachable(String)
    /// The answer started but the body ended early or the connection broke: `received` bytes of
    /// the file are on disk, `expected` is the file's length when the server said it.
    case broken(received: Int64, expected: Int64?, reason: String)
    /// Writing the `.part` file failed.
    case writeFailed(String)
}

/// A GET of one URL into an open file that holds `offset` bytes already.
final class HTTPTransfer: NSObject, URLSessionDataDelegate, @unchecked Sendable {
    /// The file's bytes on disk and its full length, as last seen by the delegate queue.
    struct Counts { var received: Int64; var expected: Int64? }

    private let fd: Int32
    private let offset: Int64
    private let lock = NSLock()
    private let done = DispatchSemaphore(value: 0)
    // Guarded by `lock`: written on URLSession's delegate queue, read by the waiting caller.
    private var counts: Counts
    private var outcome: TransferOutcome?
    private var resumed = false
    /// Whether an answer (status and headers) was accepted before the transfer ended.
    private var answered = false
    /// Body bytes written by this request.
    private var arrived: Int64 = 0

    private init(fd: Int32, offset: Int64) {
        self.fd = fd
        self.offset = offset
        counts = Counts(received: offset, expected: nil)
    }

    /// Fetches `url` into `fd` (positioned at its end, `offset` bytes long), asking for the rest
    /// with `Range: bytes=offset-` when `offset > 0`. `progress` runs on this thread a few times a
    /// second; `timeout` is the longest silence before the transfer counts as broken.
    static func run(_ url: URL, into fd: Int32, offset: Int64, timeout: TimeInterval,
                    progress: (Counts) -> Void) -> TransferOutcome {
        let transfer = HTTPTransfer(fd: fd, offset: offset)
        let configuration = URLSessionConfiguration.ephemeral
        configuration.timeoutIntervalForRequest = timeout
        configuration.requestCachePolicy = .reloadIgnoringLocalCacheData
        let queue = OperationQueue()
        queue.maxConcurrentOperationCount = 1  // the delegate writes the file in order
        let session = URLSession(configuration: configuration, delegate: transfer, delegateQueue: queue)
        var request = URLRequest(url: url)
        // The published bytes, not a decompressed copy: a server may send a .gz with Content-Encoding: gzip.
        request.setValue("identity", forHTTPHeaderField: "Accept-Encoding")
        if offset > 0 { request.setValue("bytes=\(offset)-", forHTTPHeaderField: "Range") }
        session.dataTask(with: request).resume()
        while transfer.done.wait(timeout: .now() + 0.25) == .timedOut {
            progress(transfer.locked { $0.counts })
        }
        session.finishTasksAndInvalidate()  // releases the delegate
        queue.waitUntilAllOperationsAreFinished()  // no write into fd after this returns
        progress(transfer.locked { $0.counts })
        return transfer.locked { $0.outcome } ?? .unreachable("no answer")
    }

    private func locked<T>(_ body: (HTTPTransfer) -> T) -> T {
        lock.lock()
        defer { lock.unlock() }
        return body(self)
    }

    /// Records how the transfer ended (the first report wins) and wakes the caller once.
    private func end(_ result: TransferOutcome) {
        let first = locked { transfer -> Bool in
            guard transfer.outcome == nil else { return false }
            transfer.outcome = result
            return true
        }
        if first { done.signal() }
    }

    func urlSession(_ session: URLSession, dataTask: URLSessionDataTask, didReceive response: URLResponse,
                    completionHandler: @escaping (URLSession.ResponseDisposition) -> Void) {
        guard let http = response as? HTTPURLResponse else {
            end(.unreachable("not an HTTP answer"))
            return completionHandler(.cancel)
        }
        let length = response.expectedContentLength >= 0 ? response.expectedContentLength : nil
        switch http.statusCode {
        case 206 where offset > 0:
            guard let range = http.value(forHTTPHeaderField: "Content-Range").flatMap(ContentRange.init), range.start == offset else {
                end(.broken(received: offset, expected: nil, reason: "the server resumed from another byte than \(offset)"))
                return completionHandler(.cancel)
            }
            locked {
                $0.resumed = true
                $0.counts.expected = range.total ?? length.map { offset + $0 }
            }
        case 200:
            // The body is the whole file: start the file again.
            guard ftruncate(fd, 0) == 0, lseek(fd, 0, SEEK_SET) == 0 else {
                end(.writeFailed(String(cString: strerror(errno))))
                return completionHandler(.cancel)
            }
            locked { $0.counts = Counts(received: 0, expected: length) }
        case 416:
            end(.rangeNotSatisfiable)
            return completionHandler(.cancel)
        default:
            end(.httpStatus(http.statusCode))
            return completionHandler(.cancel)
        }
        locked { $0.answered = true }
        completionHandler(.allow)
    }

    func urlSession(_ session: URLSession, dataTask: URLSessionDataTask, didReceive data: Data) {
        guard locked({ $0.outcome == nil }) else { return }
        let failure: String? = data.withUnsafeBytes { raw in
            var written = 0
            while written < raw.count {
                let n = write(fd, raw.baseAddress! + written, raw.count - written)
                if n < 0 {
                    if errno == EINTR { continue }
                    return String(cString: strerror(errno))
                }
                written += n
            }
            return nil
        }
        if let failure {
            end(.writeFailed(failure))
            dataTask.cancel()
            return
        }
        locked {
            $0.counts.received += Int64(data.count)
            $0.arrived += Int64(data.count)
        }
    }

    func urlSession(_ session: URLSession, task: URLSessionTask, didCompleteWithError error: (any Error)?) {
        let (counts, resumed, answered, arrived) = locked { ($0.counts, $0.resumed, $0.answered, $0.arrived) }
        let incomplete = counts.expected.map { counts.received < $0 } ?? false
        if error != nil || incomplete {
            let reason = error.map(Self.reason) ?? "the connection closed early"
            // Body bytes that stop short: a broken transfer, to resume. No body at all: as good as
            // unreachable, so the next mirror is tried.
            end(answered && arrived > 0 ? .broken(received: counts.received, expected: counts.expected, reason: reason) : .unreachable(reason))
        } else {
            end(.finished(resumed: resumed))
        }
    }

    /// A URLSession error in a few words ("Could not connect to the server."), on one line.
    private static func reason(_ error: any Error) -> String {
        let text = (error as NSError).localizedDescription.trimmingCharacters(in: .whitespacesAndNewlines)
        return text.isEmpty ? "error \((error as NSError).code)" : text.replacingOccurrences(of: "\n", with: " ")
    }
}

/// `Content-Range: bytes START-END/TOTAL` (TOTAL may be `*`).
struct ContentRange: Equatable {
    let start: Int64, end: Int64, total: Int64?

    init?(_ header: String) {
        let parts = header.trimmingCharacters(in: .whitespaces).split(separator: " ", maxSplits: 1)
        guard parts.count == 2, parts[0].lowercased() == "bytes" else { return nil }
        let rangeAndTotal = parts[1].split(separator: "/", maxSplits: 1)
        let bounds = rangeAndTotal[0].split(separator: "-", maxSplits: 1)
        guard rangeAndTotal.count == 2, bounds.count == 2, let start = Int64(bounds[0]), let end = Int64(bounds[1]),
              start >= 0, end >= start else { return nil }
        (self.start, self.end) = (start, end)
        total = rangeAndTotal[1] == "*" ? nil : Int64(rangeAndTotal[1])
    }
}
