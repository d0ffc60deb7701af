// Tar and Pickle readers: members found by name, pickles read as inert data, hostile input rejected.

import Foundation
import Testing
import DataFormats

@Suite("Tar and pickle readers")
struct TarPickleTests {
    @Test("Tar finds members by name in a gzip-compressed GNU archive")
    func tarGz() throws {
        let url = fixture("cifar10-tgz/cifar-10-python.tar.gz")
        let members = try Tar.extract(["cifar-10-batches-py/test_batch", "cifar-10-batches-py/batches.meta"],
                                      from: url, memberLimit: 1 << 20)
        #expect(members["cifar-10-batches-py/test_batch"]?.count == 9565)
        #expect(members["cifar-10-batches-py/test_batch"]?.prefix(2) == [0x80, 0x02])
        #expect(try Tar.list(url).count == 7)
    }

    @Test("Tar reads an in-memory ustar archive, honouring the prefix field and a leading ./")
    func tarInMemory() throws {
        let archive = tarArchive([("./one", [1, 2, 3]), ("two", [UInt8](repeating: 7, count: 600))])
        let members = try Tar.extract(["one", "two"], fromArchive: archive, memberLimit: 1000)
        #expect(members["one"] == [1, 2, 3])
        #expect(members["two"] == [UInt8](repeating: 7, count: 600))
        let prefixed = tarArchive([("file", [9])], prefix: "deep/folder")
        #expect(try Tar.extract(["deep/folder/file"], fromArchive: prefixed, memberLimit: 10)["deep/folder/file"] == [9])
    }

    @Test("A missing tar member is reported as archive:member")
    func memberMissing() {
        let archive = tarArchive([("a", [1])])
        expectDatasetError(.memberMissing, mentioning: "x.tar:b") {
            _ = try Tar.extract(["a", "b"], fromArchive: archive, file: "x.tar", memberLimit: 10)
        }
    }

    @Test("Tar rejects a bad header checksum, truncated data and an oversized member")
    func tarBadInput() {
        var archive = tarArchive([("a", [UInt8](repeating: 1, count: 100))])
        let good = archive
        archive[0] ^= 0x01
        expectDatasetError(.corrupt, mentioning: "checksum") { _ = try Tar.extract(["a"], fromArchive: archive, memberLimit: 1000) }
        expectDatasetError(.truncated, mentioning: "cut short") {
            _ = try Tar.extract(["a"], fromArchive: Array(good.prefix(560)), memberLimit: 1000)
        }
        expectDatasetError(.tooLarge, mentioning: "t.tar:a") {
            _ = try Tar.extract(["a"], fromArchive: good, file: "t.tar", memberLimit: 10)
        }
    }

    @Test("Pickle reads a Python 2 cPickle batch as byte-string keys and an unevaluated ndarray node")
    func py2Pickle() throws {
        let value = try Pickle.parse(fixtureBytes("cifar10-py2/cifar-10-batches-py/test_batch"))
        #expect(value["labels"] == .list([.int(7), .int(8)]))
        #expect(value["batch_label"]?.text == "testing batch 1 of 1")
        guard case .built(.reduce(.global("numpy.core.multiarray", "_reconstruct"), _), _)? = value["data"] else {
            Issue.record("data is \(value["data"]?.kindName ?? "missing")")
            return
        }
    }

    @Test("Pickle refuses a global outside the allowlist, never calling it")
    func forbiddenGlobal() {
        let evil: [UInt8] = [0x80, 0x02] + Array("cos\nsystem\n".utf8) + [0x58, 2, 0, 0, 0] + Array("ls".utf8)
            + [0x85, 0x52, 0x2e]
        expectDatasetError(.unsupported, mentioning: "os.system") { _ = try Pickle.parse(evil, file: "evil.pkl") }
    }

    @Test("Pickle rejects an unsupported opcode, giving its offset")
    func unknownOpcode() {
        expectDatasetError(.unsupported, mentioning: "offset 2") { _ = try Pickle.parse([0x80, 0x02, 0x8f, 0x2e]) }
        expectDatasetError(.unsupported, mentioning: "protocol 9") { _ = try Pickle.parse([0x80, 0x09, 0x2e]) }
    }

    @Test("Pickle rejects lengths beyond the end of the input and streams without STOP")
    func truncatedPickle() {
        expectDatasetError(.truncated, mentioning: "truncated") { _ = try Pickle.parse([0x80, 0x02, 0x58, 0xff, 0xff, 0xff, 0xff]) }
        expectDatasetError(.truncated, mentioning: "truncated") { _ = try Pickle.parse([0x80, 0x02, 0x5d]) }
        expectDatasetError(.badStructure, mentioning: "underflow") { _ = try Pickle.parse([0x80, 0x02, 0x61, 0x2e]) }
    }

    @Test("Pickle memo references see a list's finished contents")
    func memo() throws {
        // ([1, 2], [1, 2]) pickled with the second element as BINGET of the first.
        let bytes: [UInt8] = [0x80, 0x02, 0x5d, 0x71, 0x00, 0x28, 0x4b, 1, 0x4b, 2, 0x65, 0x68, 0x00, 0x86, 0x2e]
        let pair = PickleValue.list([.int(1), .int(2)])
        #expect(try Pickle.parse(bytes) == .tuple([pair, pair]))
    }

    @Test("Pickle caps nesting depth instead of recursing without bound")
    func depth() {
        let bytes: [UInt8] = [0x80, 0x02] + [UInt8](repeating: 0x5d, count: 100) + [UInt8](repeating: 0x61, count: 99) + [0x2e]
        expectDatasetError(.badStructure, mentioning: "deeper") { _ = try Pickle.parse(bytes) }
    }

    @Test("Pickle reads ints of every width, floats, bools and None")
    func scalars() throws {
        // (K 200, M 0x1234, J -2, LONG1 -129, G 1.5, True, None)
        let bytes: [UInt8] = [0x80, 0x02, 0x28, 0x4b, 200, 0x4d, 0x34, 0x12, 0x4a, 0xfe, 0xff, 0xff, 0xff,
                              0x8a, 2, 0x7f, 0xff, 0x47, 0x3f, 0xf8, 0, 0, 0, 0, 0, 0, 0x88, 0x4e, 0x74, 0x2e]
        #expect(try Pickle.parse(bytes) == .tuple([.int(200), .int(0x1234), .int(-2), .int(-129), .float(1.5), .bool(true), .none]))
    }
}
