// MD5Tests.swift: deat's MD5 against RFC 1321's test suite (appendix A.5), and fed in pieces of
// every awkward size against the same bytes fed at once.
import DataFetch
import Foundation
import Testing

@Suite("MD5")
struct MD5Tests {
    @Test("the RFC 1321 test suite")
    func rfcVectors() {
        let vectors = [
            ("", "d41d8cd98f00b204e9800998ecf8427e"),
            ("a", "0cc175b9c0f1b6a831c399e269772661"),
            ("abc", "900150983cd24fb0d6963f7d28e17f72"),
            ("message digest", "f96b697d7cb7938d525a2f31aaf161d0"),
            ("abcdefghijklmnopqrstuvwxyz", "c3fcd3d76192e4007dfb496cca67e13b"),
            ("ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789", "d174ab98d277d9f5a5611c2c9f419d9f"),
            (String(repeating: "1234567890", count: 8), "57edf4a22be3c955ac49da2e2107b67a"),
        ]
        for (text, digest) in vectors {
            #expect(MD5.hex(Data(text.utf8)) == digest, "MD5(\"\(text)\")")
        }
    }

    @Test("fed in pieces (1, 63, 64, 65, 1000 bytes) it gives the digest of the whole")
    func pieces() {
        let bytes = (0..<5000).map { UInt8(truncatingIfNeeded: $0 &* 2_654_435_761 >> 13) }
        let whole = MD5.hex(bytes)
        for size in [1, 63, 64, 65, 1000] {
            var md5 = MD5()
            var start = 0
            while start < bytes.count {
                md5.update(bytes[start..<min(start + size, bytes.count)])
                start += size
            }
            #expect(md5.hexDigest == whole, "pieces of \(size)")
        }
        // A digest does not consume the computation: more bytes continue it.
        var md5 = MD5()
        md5.update(bytes[..<100])
        _ = md5.hexDigest
        md5.update(bytes[100...])
        #expect(md5.hexDigest == whole)
    }
}
