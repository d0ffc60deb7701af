// DatasetFetchTests.swift: `deat data fetch`'s library side against a local HTTP server
// (TestSupport's HTTPTestServer) serving small archives with checksums computed in the test: the
// files land where deat's readers read them and load; a wrong checksum, a broken transfer and a
// 404 each fail with one line and leave nothing under the final names; a broken download resumes
// with a Range request (or starts over when the server ignores Range); a second run downloads nothing.
import DataFetch
import DataFormats
import Foundation
import Testing
import TestSupport

@Suite("deat data fetch: downloads, checks and resumes")
struct DatasetFetchTests {
    /// The names in `directory`, sorted.
    func listing(_ directory: URL) throws -> [String] {
        try FileManager.default.contentsOfDirectory(atPath: directory.path).sorted()
    }

    /// Expects `body` to throw a FetchError whose one-line description contains `fragment`.
    func expectFetchError(_ fragment: String, _ body: () throws -> Void) {
        do {
            try body()
            Issue.record("no error; expected one mentioning \(fragment)")
        } catch let error as FetchError {
            #expect(error.description.contains(fragment), "\(error)")
            #expect(!error.description.contains("\n"), "\(error)")
        } catch {
            Issue.record("not a FetchError: \(error)")
        }
    }

    @Test("MNIST-style files land under their published names, the IDX reader loads both splits, and the report says how to train (quoted for the shell)")
    func mnistDownload() throws {
        let server = try HTTPTestServer()
        let archives = Archives.mnist()
        server.serve(archives)
        let source = DatasetSource(name: "mnist", mirrors: [server.baseURL], files: archives.map(\.file))
        try withTemporaryDirectory { dir throws in
            let target = dir.appendingPathComponent("my data/mnist")  // a space: the printed command quotes it
            let report = try DatasetFetch.fetch(source, into: target)
            #expect(report.states == Array(repeating: .downloaded, count: 4))
            #expect(try listing(target) == archives.map(\.name).sorted())
            let train = try loadImageSet(.mnist, split: .train, directory: target)
            let test = try loadImageSet(.mnist, split: .test, directory: target)
            #expect(train.count == 6 && test.count == 4 && train.labels == [0, 1, 2, 3, 4, 5])
            #expect(report.trainCommand == "deat train --dataset mnist --data-dir '\(target.path)'")
            #expect(report.summary == ["mnist is in \(target.path) (4 files, MD5 verified: 4 downloaded)", "train with: \(report.trainCommand)"])
            #expect(server.requests.map(\.range) == [nil, nil, nil, nil])
        }
    }

    @Test("CIFAR-10 and CIFAR-100 python tarballs land where the tar reader reads them, without extracting")
    func cifarDownload() throws {
        let server = try HTTPTestServer()
        for (name, path, dataset) in [("cifar10", "cifar10-tgz/cifar-10-python.tar.gz", DatasetName.cifar10),
                                      ("cifar100", "cifar100-tgz/cifar-100-python.tar.gz", .cifar100)] {
            let archive = try Archives.fixture(path)
            server.serve([archive])
            let source = DatasetSource(name: name, mirrors: [server.baseURL], files: [archive.file])
            try withTemporaryDirectory { dir throws in
                _ = try DatasetFetch.fetch(source, into: dir)
                #expect(try listing(dir) == [archive.name])
                let test = try loadImageSet(dataset, split: .test, directory: dir)
                #expect(test.count > 0 && test.channels == 3 && test.classCount == (dataset == .cifar10 ? 10 : 100))
            }
        }
    }

    @Test("a second run with the data verified in place downloads nothing and says so")
    func alreadyThere() throws {
        let server = try HTTPTestServer()
        let archives = Archives.mnist()
        server.serve(archives)
        let source = DatasetSource(name: "mnist", mirrors: [server.baseURL], files: archives.map(\.file))
        try withTemporaryDirectory { dir throws in
            _ = try DatasetFetch.fetch(source, into: dir)
            let before = server.requests.count
            let again = try DatasetFetch.fetch(source, into: dir)
            #expect(server.requests.count == before, "a second run made requests")
            #expect(again.alreadyPresent && again.states == Array(repeating: .present, count: 4))
            #expect(again.summary.first == "mnist is already in \(dir.standardizedFileURL.path) (4 files, MD5 verified): nothing to download")
        }
    }

    @Test("a wrong checksum fails with one line naming the URL and both sums, and leaves neither the file nor a .part")
    func wrongChecksum() throws {
        let server = try HTTPTestServer()
        let archive = Archive(name: "cifar-10-python.tar.gz", bytes: Data("not the published archive".utf8))
        server.serve([archive])
        let published = "c58f30108f718f92721af3b95e74349a"
        let source = DatasetSource(name: "cifar10", mirrors: [server.baseURL], files: [.init(name: archive.name, md5: published)])
        try withTemporaryDirectory { dir throws in
            expectFetchError("\(server.baseURL.absoluteString)cifar-10-python.tar.gz: MD5 \(MD5.hex(archive.bytes)) is not the published \(published)") {
                _ = try DatasetFetch.fetch(source, into: dir)
            }
            #expect(try listing(dir) == [])
        }
    }

    @Test("a transfer broken off fails with one line, keeps the bytes in .part only, and the next run resumes with a Range request")
    func truncatedThenResumed() throws {
        let server = try HTTPTestServer()
        let archive = try Archives.fixture("cifar10-tgz/cifar-10-python.tar.gz")
        server.serve("/" + archive.name, .truncated(archive.bytes, after: 500))
        let source = DatasetSource(name: "cifar10", mirrors: [server.baseURL], files: [archive.file])
        try withTemporaryDirectory { dir throws in
            expectFetchError("transfer broke off after 500 of \(archive.bytes.count) bytes") {
                _ = try DatasetFetch.fetch(source, into: dir)
            }
            #expect(try listing(dir) == [archive.name + ".part"])
            #expect(try Data(contentsOf: dir.appendingPathComponent(archive.name + ".part")) == archive.bytes.prefix(500))

            server.serve("/" + archive.name, .file(archive.bytes))
            var events: [FetchEvent] = []
            let report = try DatasetFetch.fetch(source, into: dir) { events.append($0) }
            #expect(report.states == [.resumed])
            #expect(server.requests.last?.range == "bytes=500-")
            #expect(events.contains(.downloading(file: archive.name, url: server.baseURL.appendingPathComponent(archive.name), from: 500)))
            #expect(try listing(dir) == [archive.name])
            #expect(try loadImageSet(.cifar10, split: .test, directory: dir).count > 0)
        }
    }

    @Test("a transfer that breaks off before the first byte counts as a failed mirror: the next is tried, no empty .part stays")
    func brokenBeforeAnyByte() throws {
        let silent = try HTTPTestServer(), good = try HTTPTestServer()
        let archive = try Archives.fixture("cifar10-tgz/cifar-10-python.tar.gz")
        silent.serve("/" + archive.name, .truncated(archive.bytes, after: 0))
        good.serve([archive])
        try withTemporaryDirectory { dir throws in
            let source = DatasetSource(name: "cifar10", mirrors: [silent.baseURL, good.baseURL], files: [archive.file])
            #expect(try DatasetFetch.fetch(source, into: dir).states == [.downloaded])
            #expect(good.requests.map(\.range) == [nil])
        }
        try withTemporaryDirectory { dir throws in
            let source = DatasetSource(name: "cifar10", mirrors: [silent.baseURL], files: [archive.file])
            expectFetchError("could not download cifar-10-python.tar.gz: \(silent.baseURL.absoluteString)cifar-10-python.tar.gz: ") {
                _ = try DatasetFetch.fetch(source, into: dir)
            }
            #expect(try listing(dir) == [])
        }
    }

    @Test("a server that ignores Range sends the whole file again, and the .part starts over from byte 0")
    func rangeIgnored() throws {
        let server = try HTTPTestServer()
        let archive = try Archives.fixture("cifar10-tgz/cifar-10-python.tar.gz")
        server.serve("/" + archive.name, .truncated(archive.bytes, after: 300))
        let source = DatasetSource(name: "cifar10", mirrors: [server.baseURL], files: [archive.file])
        try withTemporaryDirectory { dir throws in
            expectFetchError("transfer broke off after 300") { _ = try DatasetFetch.fetch(source, into: dir) }
            server.serve("/" + archive.name, .ignoringRange(archive.bytes))
            let report = try DatasetFetch.fetch(source, into: dir)
            #expect(report.states == [.downloaded])
            #expect(server.requests.last?.range == "bytes=300-")
            #expect(try Data(contentsOf: dir.appendingPathComponent(archive.name)) == archive.bytes)
            #expect(try listing(dir) == [archive.name])
        }
    }

    @Test("a .part longer than the file (416 from the server) is discarded and the download starts over")
    func partTooLong() throws {
        let server = try HTTPTestServer()
        let archive = try Archives.fixture("cifar100-tgz/cifar-100-python.tar.gz")
        server.serve([archive])
        let source = DatasetSource(name: "cifar100", mirrors: [server.baseURL], files: [archive.file])
        try withTemporaryDirectory { dir throws in
            try Data(repeating: 0x41, count: archive.bytes.count + 10).write(to: dir.appendingPathComponent(archive.name + ".part"))
            let report = try DatasetFetch.fetch(source, into: dir)
            #expect(report.states == [.downloaded])
            #expect(server.requests.map(\.range) == ["bytes=\(archive.bytes.count + 10)-", nil])
            #expect(try Data(contentsOf: dir.appendingPathComponent(archive.name)) == archive.bytes)
        }
    }

    @Test("a 404 fails with one line naming the URL and leaves no file of the dataset under its final name")
    func notFound() throws {
        let server = try HTTPTestServer()
        let archives = Archives.mnist()
        server.serve(Array(archives.dropLast()))  // the last file is missing from the mirror
        let source = DatasetSource(name: "mnist", mirrors: [server.baseURL], files: archives.map(\.file))
        try withTemporaryDirectory { dir throws in
            expectFetchError("could not download t10k-labels-idx1-ubyte.gz: \(server.baseURL.absoluteString)t10k-labels-idx1-ubyte.gz: HTTP 404 (not found)") {
                _ = try DatasetFetch.fetch(source, into: dir)
            }
            // The three complete files wait as verified .part files; nothing has its final name.
            #expect(try listing(dir) == archives.dropLast().map { $0.name + ".part" }.sorted())
            // Once the mirror has the last file, only it is downloaded.
            server.serve([archives[3]])
            let before = server.requests.count
            let report = try DatasetFetch.fetch(source, into: dir)
            #expect(report.states == [.resumed, .resumed, .resumed, .downloaded])
            #expect(report.summary.first?.hasSuffix("(4 files, MD5 verified: 1 downloaded, 3 completed from a .part file)") == true, "\(report.summary)")
            #expect(server.requests.dropFirst(before).map(\.path) == ["/t10k-labels-idx1-ubyte.gz"])
            #expect(try listing(dir) == archives.map(\.name).sorted())
        }
    }

    @Test("mirrors are tried in order: an unreachable one, a 404 and wrong bytes each fall through to the next")
    func mirrorsInOrder() throws {
        let good = try HTTPTestServer(), missing = try HTTPTestServer(), wrong = try HTTPTestServer(), closed = try RefusingPort()
        let archive = try Archives.fixture("cifar10-tgz/cifar-10-python.tar.gz")
        good.serve([archive])
        wrong.serve("/" + archive.name, .file(Data("<html>moved</html>".utf8)))
        let source = DatasetSource(name: "cifar10", mirrors: [closed.baseURL, missing.baseURL, wrong.baseURL, good.baseURL], files: [archive.file])
        try withTemporaryDirectory { dir throws in
            #expect(try DatasetFetch.fetch(source, into: dir).states == [.downloaded])
            #expect(missing.requests.count == 1 && wrong.requests.count == 1 && good.requests.count == 1)
            #expect(good.requests.first?.range == nil, "the wrong bytes were resumed from")
            #expect(try listing(dir) == [archive.name])
        }
        try withTemporaryDirectory { dir throws in
            let allBad = DatasetSource(name: "cifar10", mirrors: [wrong.baseURL, missing.baseURL], files: [archive.file])
            expectFetchError("\(wrong.baseURL.absoluteString)cifar-10-python.tar.gz: MD5 \(MD5.hex(Data("<html>moved</html>".utf8))) is not the published") {
                _ = try DatasetFetch.fetch(allBad, into: dir)
            }
            #expect(try listing(dir) == [])
        }
        try withTemporaryDirectory { dir throws in
            let dead = DatasetSource(name: "cifar10", mirrors: [closed.baseURL, missing.baseURL], files: [archive.file])
            expectFetchError("\(missing.baseURL.absoluteString)cifar-10-python.tar.gz: HTTP 404") { _ = try DatasetFetch.fetch(dead, into: dir) }
            #expect(try listing(dir) == [])
        }
    }

    @Test("a file already under a final name with another MD5 is left alone, before anything is downloaded")
    func foreignFile() throws {
        let server = try HTTPTestServer()
        let archive = try Archives.fixture("cifar10-tgz/cifar-10-python.tar.gz")
        server.serve([archive])
        let source = DatasetSource(name: "cifar10", mirrors: [server.baseURL], files: [archive.file])
        try withTemporaryDirectory { dir throws in
            let mine = Data("someone else's file".utf8)
            try mine.write(to: dir.appendingPathComponent(archive.name))
            expectFetchError("\(dir.appendingPathComponent(archive.name).path) already exists and its MD5") {
                _ = try DatasetFetch.fetch(source, into: dir)
            }
            #expect(try Data(contentsOf: dir.appendingPathComponent(archive.name)) == mine)
            #expect(server.requests.isEmpty)
        }
    }

    @Test("a .part locked by another fetch is refused with one line, and the other's bytes are left alone")
    func partLocked() throws {
        let server = try HTTPTestServer()
        let archive = try Archives.fixture("cifar10-tgz/cifar-10-python.tar.gz")
        server.serve([archive])
        let source = DatasetSource(name: "cifar10", mirrors: [server.baseURL], files: [archive.file])
        try withTemporaryDirectory { dir throws in
            let part = dir.appendingPathComponent(archive.name + ".part")
            try Data("other".utf8).write(to: part)
            let other = open(part.path, O_RDWR)
            defer { close(other) }
            try #require(other >= 0 && flock(other, LOCK_EX) == 0)
            expectFetchError("\(part.path) is being written by another deat data fetch") { _ = try DatasetFetch.fetch(source, into: dir) }
            #expect(try Data(contentsOf: part) == Data("other".utf8))
            #expect(server.requests.isEmpty)
        }
    }

    @Test("a data directory that is a file fails with one line")
    func directoryIsAFile() throws {
        let source = DatasetSource(name: "cifar10", mirrors: [URL(string: "http://127.0.0.1:9/")!], files: [.init(name: "a", md5: "00")])
        try withTemporaryDirectory { dir throws in
            let file = dir.appendingPathComponent("afile")
            try Data("x".utf8).write(to: file)
            expectFetchError("\(file.path): using it as the data directory failed: it is a file, not a directory") {
                _ = try DatasetFetch.fetch(source, into: file)
            }
        }
    }

    @Test("the built-in table is torchvision 0.14's: names, MD5s and mirrors")
    func builtInTable() {
        #expect(DatasetSource.all.map(\.name) == ["fashion-mnist", "mnist", "cifar10", "cifar100"])
        #expect(DatasetSource.builtIn("mnist")?.mirrors.map(\.absoluteString)
                == ["http://yann.lecun.com/exdb/mnist/", "https://ossci-datasets.s3.amazonaws.com/mnist/"])
        #expect(DatasetSource.builtIn("cifar100")?.files == [.init(name: "cifar-100-python.tar.gz", md5: "eb9058c3a382ffc7106e4002c42a8d85")])
        #expect(DatasetSource.builtIn("folder") == nil)
        let mirrored = DatasetSource.fashionMNIST.mirrored(at: URL(string: "http://mirror.example/fm/")!)
        #expect(mirrored.mirrors.map(\.absoluteString) == ["http://mirror.example/fm/"] && mirrored.files == DatasetSource.fashionMNIST.files)
        #expect(DatasetSource.all.allSatisfy { $0.files.allSatisfy { $0.md5.count == 32 } })
    }
}
