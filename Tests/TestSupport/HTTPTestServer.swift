// HTTPTestServer.swift: a tiny HTTP/1.1 server on 127.0.0.1 (an ephemeral port) for the download
// tests: it serves bytes from memory, honours `Range: bytes=N-` (206, or 416 past the end), and can
// be told to ignore Range, to break a transfer off after some bytes, or to answer 404. One
// connection at a time, `Connection: close` after every answer; every request is recorded.
//
//   let server = try HTTPTestServer()
//   server.serve("/a.gz", .file(bytes))
//   // GET \(server.baseURL)a.gz ... server.requests == [.init(path: "/a.gz", range: nil)]
import Foundation

public final class HTTPTestServer: @unchecked Sendable {
    /// How the server answers a path.
    public enum Reply: Sendable {
        /// The bytes, honouring Range.
        case file(Data)
        /// The bytes, always whole with 200, whatever Range asks (as some servers do).
        case ignoringRange(Data)
        /// Headers promising the whole answer (Range honoured), then only `after` bytes of the body, then close.
        case truncated(Data, after: Int)
        /// 404 Not Found.
        case notFound
    }

    /// A request as received: the path and the Range header, if any.
    public struct Request: Sendable, Equatable {
        public let path: String
        public let range: String?
        public init(path: String, range: String?) {
            self.path = path
            self.range = range
        }
    }

    /// Why the server could not start listening.
    public struct StartError: Error, CustomStringConvertible {
        public let message: String
        public var description: String { message }
    }

    public let port: UInt16
    /// `http://127.0.0.1:PORT/`.
    public var baseURL: URL { URL(string: "http://127.0.0.1:\(port)/")! }

    private let listener: Int32
    private let lock = NSLock()
    private var replies: [String: Reply] = [:]
    private var received: [Request] = []
    private let stopped = DispatchSemaphore(value: 0)

    /// Starts listening; unknown paths get 404.
    public init() throws {
        let fd = socket(AF_INET, Int32(SOCK_STREAM.rawValue), 0)
        guard fd >= 0 else { throw StartError(message: "socket: \(String(cString: strerror(errno)))") }
        var address = sockaddr_in()
        address.sin_family = sa_family_t(AF_INET)
        address.sin_addr.s_addr = inet_addr("127.0.0.1")
        address.sin_port = 0  // ephemeral
        var length = socklen_t(MemoryLayout<sockaddr_in>.size)
        let bound = withUnsafeMutablePointer(to: &address) {
            $0.withMemoryRebound(to: sockaddr.self, capacity: 1) { pointer in
                bind(fd, pointer, length) == 0 && listen(fd, 16) == 0 && getsockname(fd, pointer, &length) == 0
            }
        }
        guard bound else {
            let message = String(cString: strerror(errno))
            close(fd)
            throw StartError(message: "bind/listen on 127.0.0.1: \(message)")
        }
        listener = fd
        port = UInt16(bigEndian: address.sin_port)
        let thread = Thread { [self] in acceptLoop() }
        thread.start()
    }

    deinit { stop() }

    /// Sets how `path` (e.g. "/train-images-idx3-ubyte.gz") is answered from now on.
    public func serve(_ path: String, _ reply: Reply) {
        lock.withLock { replies[path] = reply }
    }

    /// Every request so far, in order.
    public var requests: [Request] { lock.withLock { received } }

    /// Stops accepting; returns once the server thread has ended. Idempotent.
    public func stop() {
        let wasRunning = lock.withLock { () -> Bool in
            defer { isStopping = true }
            return !isStopping
        }
        guard wasRunning else { return }
        shutdown(listener, Int32(SHUT_RDWR))
        stopped.wait()
        close(listener)
    }
    private var isStopping = false

    private func acceptLoop() {
        defer { stopped.signal() }
        while true {
            let connection = accept(listener, nil, nil)
            guard connection >= 0 else {
                if errno == EINTR { continue }
                return
            }
            answer(connection)
            shutdown(connection, Int32(SHUT_WR))
            close(connection)
        }
    }

    private func answer(_ connection: Int32) {
        guard let head = readHead(connection) else { return }
        let lines = head.components(separatedBy: "\r\n")
        let requestLine = lines.first?.split(separator: " ") ?? []
        guard requestLine.count >= 2 else { return }
        let path = String(requestLine[1])
        let range = lines.dropFirst().first { $0.lowercased().hasPrefix("range:") }
            .map { String($0.dropFirst("range:".count)).trimmingCharacters(in: .whitespaces) }
        let reply = lock.withLock { () -> Reply? in
            received.append(Request(path: path, range: range))
            return replies[path]
        }
        switch reply {
        case .none, .notFound:
            send(connection, status: "404 Not Found", headers: [], body: Data("not found\n".utf8))
        case .ignoringRange(let data):
            send(connection, status: "200 OK", headers: [], body: data)
        case .file(let data):
            sendHonouringRange(connection, data, range: range, limit: nil)
        case .truncated(let data, let after):
            sendHonouringRange(connection, data, range: range, limit: after)
        }
    }

    /// 200, or 206 from the requested offset, or 416 past the end; at most `limit` body bytes sent.
    private func sendHonouringRange(_ connection: Int32, _ data: Data, range: String?, limit: Int?) {
        guard let range, range.hasPrefix("bytes="), range.hasSuffix("-"),
              let start = Int(range.dropFirst("bytes=".count).dropLast()) else {
            return send(connection, status: "200 OK", headers: [], body: data, limit: limit)
        }
        guard start < data.count else {
            return send(connection, status: "416 Range Not Satisfiable", headers: ["Content-Range: bytes */\(data.count)"], body: Data())
        }
        send(connection, status: "206 Partial Content", headers: ["Content-Range: bytes \(start)-\(data.count - 1)/\(data.count)"],
             body: data.subdata(in: start..<data.count), limit: limit)
    }

    private func send(_ connection: Int32, status: String, headers: [String], body: Data, limit: Int? = nil) {
        let head = (["HTTP/1.1 \(status)", "Content-Length: \(body.count)", "Content-Type: application/octet-stream", "Connection: close"]
                    + headers).joined(separator: "\r\n") + "\r\n\r\n"
        var bytes = Data(head.utf8)
        bytes.append(body.prefix(limit ?? body.count))
        bytes.withUnsafeBytes { raw in
            var sent = 0
            while sent < raw.count {
                let n = Foundation.send(connection, raw.baseAddress! + sent, raw.count - sent, Int32(MSG_NOSIGNAL))
                if n <= 0 { return }  // the client went away
                sent += n
            }
        }
    }

    /// The request line and headers, up to the blank line (requests here have no body).
    private func readHead(_ connection: Int32) -> String? {
        var bytes: [UInt8] = []
        var buffer = [UInt8](repeating: 0, count: 4096)
        while bytes.count < 65536 {
            let n = recv(connection, &buffer, buffer.count, 0)
            guard n > 0 else { return nil }
            bytes += buffer[..<n]
            if let text = String(bytes: bytes, encoding: .utf8), text.contains("\r\n\r\n") { return text }
        }
        return nil
    }
}

/// A port on 127.0.0.1 that refuses connections: bound, so no other server can take it while this
/// lives, but not listening. (A stopped server's port could be handed to another test's server.)
public final class RefusingPort: @unchecked Sendable {
    private let socket: Int32
    /// `http://127.0.0.1:PORT/`.
    public let baseURL: URL

    public init() throws {
        socket = Foundation.socket(AF_INET, Int32(SOCK_STREAM.rawValue), 0)
        var address = sockaddr_in()
        address.sin_family = sa_family_t(AF_INET)
        address.sin_addr.s_addr = inet_addr("127.0.0.1")
        var length = socklen_t(MemoryLayout<sockaddr_in>.size)
        let fd = socket
        let bound = fd >= 0 && withUnsafeMutablePointer(to: &address) {
            $0.withMemoryRebound(to: sockaddr.self, capacity: 1) { bind(fd, $0, length) == 0 && getsockname(fd, $0, &length) == 0 }
        }
        guard bound else {
            if fd >= 0 { close(fd) }
            throw HTTPTestServer.StartError(message: "bind on 127.0.0.1: \(String(cString: strerror(errno)))")
        }
        baseURL = URL(string: "http://127.0.0.1:\(UInt16(bigEndian: address.sin_port))/")!
    }

    deinit { close(socket) }
}
