// FuzzRegressionTests.swift: every input that once broke the reader under scripts/fuzz.sh, replayed,
// plus handcrafted hostile headers. Each must be rejected with a one-line SafeTensorsError; a crash
// kills the test process, which is exactly the failure these tests exist to catch.
//
// Fixtures/fuzz-regressions/safetensors/<hash>.bin are written by deat-fuzz (Sources/DeatFuzz).

import Foundation
import Testing
import SafeTensors

/// The saved inputs, by file name; empty when the folder cannot be read, which `corpusIsPresent`
/// turns into a failure (an empty argument list would run no test at all).
private let regressions: [String] = {
    let folder = Bundle.module.url(forResource: "Fixtures", withExtension: nil)?
        .appendingPathComponent("fuzz-regressions/safetensors")
    return folder.flatMap { try? FileManager.default.contentsOfDirectory(atPath: $0.path) }?.sorted() ?? []
}()

@Suite("SafeTensors fuzz regressions and hostile headers")
struct FuzzRegressionTests {
    @Test("the saved inputs that once broke the reader are found")
    func corpusIsPresent() throws {
        let folder = try #require(Bundle.module.url(forResource: "Fixtures", withExtension: nil)).appendingPathComponent("fuzz-regressions/safetensors")
        let files = try FileManager.default.contentsOfDirectory(atPath: folder.path)
        try #require(!regressions.isEmpty, "no saved inputs in \(folder.path)")
        #expect(regressions == files.sorted())
    }

    @Test("every input that once broke the reader is rejected with a one-line description", arguments: regressions)
    func replay(_ name: String) throws {
        let url = try #require(Bundle.module.url(forResource: "Fixtures", withExtension: nil))
            .appendingPathComponent("fuzz-regressions/safetensors/\(name)")
        let error = try #require(parseError(try Data(contentsOf: url)))
        let lineBreaks = error.description.filter(\.isNewline).count
        #expect(lineBreaks == 0, "\(error)")
    }

    @Test("keys holding U+0085, U+2028 or U+2029, which also end lines, are escaped in descriptions")
    func lineSeparatorsInKeys() throws {
        for key in ["a\u{85}b", "a\u{2028}b", "a\u{2029}b"] {
            let header = "{" + tensorJSON(key, "X", [], 0, 0) + "}"
            let error = try #require(parseError(fileBytes(header: header)))
            #expect(error.problem == .unknownDType(tensor: key, dtype: "X"))
            let lineBreaks = error.description.filter(\.isNewline).count
            #expect(lineBreaks == 0)
            #expect(error.description.contains("a\\u{\(String(key.unicodeScalars.dropFirst().first!.value, radix: 16))}b"))
        }
    }

    @Test("offsets and shapes at Int.max are rejected without overflowing")
    func offsetsAtIntMax() throws {
        let max = "9223372036854775807"
        let empty = fileBytes(header: "{\"w\":{\"dtype\":\"U8\",\"shape\":[0],\"data_offsets\":[\(max),\(max)]}}", buffer: [1])
        #expect(parseError(empty)?.problem == .offsetsBeyondBuffer(tensor: "w", begin: .max, end: .max, bufferSize: 1))
        let whole = fileBytes(header: "{\"w\":{\"dtype\":\"U8\",\"shape\":[\(max)],\"data_offsets\":[0,\(max)]}}", buffer: [1])
        #expect(parseError(whole)?.problem == .offsetsBeyondBuffer(tensor: "w", begin: 0, end: .max, bufferSize: 1))
        let twoBytes = fileBytes(header: "{\"w\":{\"dtype\":\"I16\",\"shape\":[\(max)],\"data_offsets\":[0,2]}}", buffer: [1, 2])
        #expect(parseError(twoBytes)?.problem == .shapeOverflow(tensor: "w", shape: [.max], dtype: .i16))
    }
}
