// NameCheckTests.swift: checkNames reports every missing, unexpected and wrong-shape key in one error.

import Foundation
import Testing
import SafeTensors

@Suite("SafeTensors name check")
struct NameCheckTests {
    static let file = SafeTensorsFile(metadata: [:], entries: [
        SafeTensorsEntry(name: "conv1.weight", shape: [4, 3, 3, 3], values: [Float](repeating: 0, count: 108)),
        SafeTensorsEntry(name: "module.fc.weight", shape: [10, 4], values: [Float](repeating: 0, count: 40)),
        SafeTensorsEntry(name: "bn1.running_mean", shape: [5], values: [Float](repeating: 0, count: 5)),
        SafeTensorsEntry(name: "bn1.num_batches_tracked", shape: [], values: [Int64(0)]),
    ])

    @Test("missing, unexpected and wrong-shape keys are listed together in one error")
    func listsAllThree() throws {
        let expected: [(name: String, shape: [Int])] = [
            ("conv1.weight", [4, 3, 3, 3]),
            ("fc.weight", [10, 4]),
            ("fc.bias", [10]),
            ("bn1.running_mean", [4]),
            ("bn1.num_batches_tracked", []),
        ]
        do {
            try checkNames(expected: expected, in: Self.file, source: "ckpt.safetensors")
            Issue.record("checkNames accepted a mismatching file")
        } catch {
            #expect(error.problem == .nameMismatch(
                missing: ["fc.weight", "fc.bias"],
                unexpected: ["module.fc.weight"],
                wrongShape: [ShapeMismatch(name: "bn1.running_mean", expected: [4], found: [5])]))
            let text = error.description
            #expect(text.hasPrefix("ckpt.safetensors: "))
            for key in ["\"fc.weight\"", "\"fc.bias\"", "\"module.fc.weight\"", "\"bn1.running_mean\" expected [4] found [5]"] {
                #expect(text.contains(key), "\(text) should contain \(key)")
            }
            #expect(!text.contains("\"conv1.weight\""))
        }
    }

    @Test("an exact match of names and shapes passes")
    func exactMatchPasses() throws {
        try checkNames(expected: Self.file.entries.map { ($0.name, $0.shape) }, in: Self.file)
    }

    @Test("only unexpected keys still fail")
    func onlyUnexpected() {
        #expect(throws: SafeTensorsError(source: "<memory>", problem: .nameMismatch(
            missing: [], unexpected: ["module.fc.weight", "bn1.num_batches_tracked"], wrongShape: []))) {
            try checkNames(expected: [("conv1.weight", [4, 3, 3, 3]), ("bn1.running_mean", [5])], in: Self.file)
        }
    }
}
