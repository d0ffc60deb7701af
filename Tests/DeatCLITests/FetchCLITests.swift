// FetchCLITests.swift: `deat data fetch` as a user runs it, against a local HTTP server given as
// --mirror (or DEAT_DATA_MIRROR). The built-in checksums are the published archives', which no test
// file has, so the good path is DataFetchTests'; here each failure (404, a wrong checksum, a broken
// transfer) must end in exactly one `error:` line and exit 1, with nothing under the final names.
import Foundation
import Testing
import TestSupport

@Suite("deat data fetch: the command")
struct FetchCLITests {
    /// Runs deat with DEAT_DATA_MIRROR set to `mirror` (removed when nil).
    func deat(_ arguments: [String], mirror: String? = nil) throws -> ProcessResult {
        var environment = ProcessInfo.processInfo.environment
        environment["DEAT_DATA_MIRROR"] = mirror
        return try runProcess(builtProduct("deat"), arguments, environment: environment)
    }

    /// Exit 1, and the last line of standard error (after any progress) is the only `error:` line.
    func expectOneErrorLine(_ result: ProcessResult, containing fragment: String, sourceLocation: SourceLocation = #_sourceLocation) {
        let lines = result.stderr.split(separator: "\n").map(String.init)
        #expect(result.status == 1, "exit \(result.status): \(result.stderr)", sourceLocation: sourceLocation)
        #expect(lines.filter { $0.hasPrefix("error: ") }.count == 1 && lines.last?.hasPrefix("error: ") == true,
                "\(result.stderr)", sourceLocation: sourceLocation)
        #expect(lines.last?.contains(fragment) == true, "\(result.stderr)", sourceLocation: sourceLocation)
        for trace in ["Fatal error", "Stack dump", "frame #"] {
            #expect(!result.stderr.contains(trace), "\(result.stderr)", sourceLocation: sourceLocation)
        }
    }

    func listing(_ directory: URL) throws -> [String] {
        try FileManager.default.contentsOfDirectory(atPath: directory.path).sorted()
    }

    @Test("a mirror without the files: one line naming the URL and the 404, exit 1, an empty directory")
    func notFound() throws {
        let server = try HTTPTestServer()
        try withTemporaryDirectory { dir in
            let result = try deat(["data", "fetch", "mnist", dir.path, "--mirror", server.baseURL.absoluteString])
            expectOneErrorLine(result, containing:
                "could not download train-images-idx3-ubyte.gz: \(server.baseURL.absoluteString)train-images-idx3-ubyte.gz: HTTP 404 (not found)")
            #expect(try listing(dir) == [])
            #expect(result.stdout.isEmpty)
        }
    }

    @Test("bytes that are not the published archive: one line with both MD5 sums, exit 1, nothing left behind")
    func wrongChecksum() throws {
        let server = try HTTPTestServer()
        server.serve("/cifar-10-python.tar.gz", .file(Data(repeating: 7, count: 3000)))
        try withTemporaryDirectory { dir in
            let result = try deat(["data", "fetch", "cifar10", dir.path, "--mirror", server.baseURL.absoluteString])
            expectOneErrorLine(result, containing: "cifar-10-python.tar.gz: MD5 ")
            #expect(result.stderr.contains("is not the published c58f30108f718f92721af3b95e74349a"))
            #expect(try listing(dir) == [])
        }
    }

    @Test("a transfer broken off: one line saying how to resume, exit 1, the bytes kept in the .part file only")
    func truncated() throws {
        let server = try HTTPTestServer()
        server.serve("/cifar-100-python.tar.gz", .truncated(Data(repeating: 1, count: 5000), after: 1200))
        try withTemporaryDirectory { dir in
            // DEAT_DATA_MIRROR stands in for --mirror.
            let result = try deat(["data", "fetch", "cifar100", dir.path], mirror: server.baseURL.absoluteString)
            expectOneErrorLine(result, containing: "transfer broke off after 1200 of 5000 bytes")
            #expect(result.stderr.contains("run the same command again to resume"))
            #expect(try listing(dir) == ["cifar-100-python.tar.gz.part"])
            #expect(result.stderr.hasPrefix("downloading \(server.baseURL.absoluteString)cifar-100-python.tar.gz\n"), "\(result.stderr)")
            // Run again: the request asks for the rest, and the progress line says so.
            let again = try deat(["data", "fetch", "cifar100", dir.path], mirror: server.baseURL.absoluteString)
            #expect(server.requests.last?.range == "bytes=1200-")
            #expect(again.stderr.contains("cifar-100-python.tar.gz (resuming after 1.2 KiB)"), "\(again.stderr)")
        }
    }

    @Test("--help says what is downloaded, where it goes, how it resumes and what --mirror does")
    func help() throws {
        let result = try deat(["data", "fetch", "--help"])
        #expect(result.status == 0)
        for phrase in ["torchvision 0.14", "MD5", ".part", "resumes", "--mirror", "DEAT_DATA_MIRROR", "deat train --data-dir", "data/NAME"] {
            #expect(result.stdout.contains(phrase), "help lacks \(phrase)")
        }
    }
}
