// FuzzTarget.swift: one parser under fuzz: its seeds, its format tokens, its structure-aware
// generator, and the check that runs it on one input.
//
// The contract every parser must keep, checked here for every input:
//   - it returns or throws its own error type; a trap (bounds, overflow, precondition) kills the worker
//     and is recorded by the worker's signal handler;
//   - an error's description is one line (the CLI prints it as the whole message);
//   - what a successful parse returns is no larger than the input implies: the input size, or the
//     inflation cap the parser itself enforces for gzip.
// A broken promise other than a trap calls `violation`, which traps too, so it is recorded the same way.

import DataFormats
import Foundation
import SafeTensors

/// How one input ended.
enum Outcome {
    /// Parsed successfully (by at least one variant, for targets that try several).
    case parsed
    /// Rejected with the parser's own error.
    case rejected
}

struct FuzzTarget: Sendable {
    /// The parser's name, also its folder under `Fixtures/fuzz-regressions/`.
    let name: String
    /// The test target whose `Fixtures/fuzz-regressions/<name>/` keeps this parser's crashing inputs.
    let testTarget: String
    /// Valid files of the format, built in code.
    let seeds: [Seed]
    /// Byte strings of the format (opcodes, JSON punctuation, magic numbers) for the insert operator.
    let dictionary: [[UInt8]]
    /// A fresh input built with knowledge of the format (hostile header fields, fixed checksums), or nil.
    let generate: (@Sendable (inout SplitMix64) -> [UInt8])?
    /// Runs the parser on one input.
    let check: @Sendable ([UInt8]) -> Outcome

    /// Input `index` of run `seed`: a structure-aware input (a third of the time, where there is a
    /// generator) or a seed, then 1-4 byte-level mutations (none for half the structure-aware ones).
    func input(seed: UInt64, index: Int) -> [UInt8] {
        var rng = SplitMix64(seed: seed, index: index)
        let base = rng.pick(seeds)
        var bytes: [UInt8]
        var rounds = 1 + rng.below(4)
        if let generate, rng.chance(33) {
            bytes = generate(&rng)
            if rng.chance(50) { rounds = 0 }
        } else {
            bytes = base.bytes
        }
        if rounds > 0 {
            Mutator.mutate(&bytes, rounds: rounds, fields: base.fields, dictionary: dictionary,
                           other: rng.pick(seeds).bytes, rng: &rng)
        }
        if bytes.count > maxInputSize { bytes.removeLast(bytes.count - maxInputSize) }
        return bytes
    }

    /// Every target, in the order campaigns run them.
    static let all: [FuzzTarget] = [
        FuzzTarget(name: "safetensors", testTarget: "SafeTensorsTests", seeds: SafeTensorsFuzz.seeds,
                   dictionary: SafeTensorsFuzz.dictionary, generate: SafeTensorsFuzz.generate, check: SafeTensorsFuzz.check),
        FuzzTarget(name: "idx", testTarget: "DatasetsTests", seeds: IDXFuzz.plainSeeds,
                   dictionary: IDXFuzz.dictionary, generate: nil, check: IDXFuzz.check),
        FuzzTarget(name: "idx-gzip", testTarget: "DatasetsTests", seeds: IDXFuzz.gzipSeeds,
                   dictionary: IDXFuzz.dictionary, generate: IDXFuzz.generateGzip, check: IDXFuzz.check),
        FuzzTarget(name: "cifar-binary", testTarget: "DatasetsTests", seeds: CIFARBinaryFuzz.seeds,
                   dictionary: CIFARBinaryFuzz.dictionary, generate: nil, check: CIFARBinaryFuzz.check),
        FuzzTarget(name: "cifar-pickle", testTarget: "DatasetsTests", seeds: CIFARPickleFuzz.seeds,
                   dictionary: CIFARPickleFuzz.dictionary, generate: CIFARPickleFuzz.generate, check: CIFARPickleFuzz.check),
        FuzzTarget(name: "tar", testTarget: "DatasetsTests", seeds: TarFuzz.seeds,
                   dictionary: TarFuzz.dictionary, generate: TarFuzz.generate, check: TarFuzz.check),
        FuzzTarget(name: "jpeg", testTarget: "DataFormatsTests", seeds: ImageFuzz.jpegSeeds,
                   dictionary: ImageFuzz.jpegDictionary, generate: nil, check: ImageFuzz.check),
        FuzzTarget(name: "png", testTarget: "DataFormatsTests", seeds: ImageFuzz.pngSeeds,
                   dictionary: ImageFuzz.pngDictionary, generate: ImageFuzz.generatePNG, check: ImageFuzz.check),
    ]

    static func named(_ name: String) -> FuzzTarget? { all.first { $0.name == name } }
}

/// Traps with `what`: a parser broke a promise that is not itself a trap.
func violation(_ what: String) -> Never {
    fatalError("fuzz invariant violated: \(what)")
}

/// `.rejected`, after checking that `error` is `Expected` and describes itself in one line.
func rejected<Expected: Error>(_ error: any Error, as expected: Expected.Type) -> Outcome {
    guard error is Expected else { violation("threw \(type(of: error)), not \(Expected.self): \(error)") }
    let text = "\(error)"
    if text.contains(where: { $0.isNewline }) { violation("error description is not one line: \(visible(text))") }
    return .rejected
}

/// `text` with every scalar outside printable ASCII written as \u{…}, so a report shows which
/// invisible character (U+0085, U+2028, …) broke a line.
func visible(_ text: String) -> String {
    text.unicodeScalars.map { (0x20..<0x7F).contains($0.value) ? String($0) : "\\u{\(String($0.value, radix: 16))}" }.joined()
}

/// The most a parser may return for `input`: its size, or for gzip the 1032:1 deflate bound that
/// IDX.parse enforces as its inflation limit.
func payloadBound(_ input: [UInt8]) -> Int {
    guard Gzip.isGzip(input) else { return input.count }
    let (bound, overflow) = input.count.multipliedReportingOverflow(by: 1032)
    return overflow ? .max : bound
}

/// Runs a CIFAR parser on `input` as each variant (a file may be whole records of either size);
/// `.parsed` when any variant accepts it.
func checkVariants(_ input: [UInt8], parse: (CIFARVariant) throws -> ImageSet) -> Outcome {
    var outcome = Outcome.rejected
    for variant in CIFARVariant.allCases {
        do {
            checkImageSet(try parse(variant), input: input, classes: variant.classCount)
            outcome = .parsed
        } catch {
            _ = rejected(error, as: DatasetError.self)
        }
    }
    return outcome
}

/// Checks an image set a CIFAR parser returned for `input`.
func checkImageSet(_ set: ImageSet, input: [UInt8], classes: Int) {
    guard set.images.count <= input.count else {
        violation("\(set.images.count) pixel bytes from a \(input.count)-byte input")
    }
    guard set.images.count == set.labels.count * 3072, set.labels.allSatisfy({ (0..<Int64(classes)).contains($0) }) else {
        violation("image set with \(set.images.count) pixel bytes, \(set.labels.count) labels or a label outside 0..<\(classes)")
    }
    if let coarse = set.coarseLabels, !coarse.allSatisfy({ (0..<Int64(ImageSet.coarseClassCount)).contains($0) }) {
        violation("coarse label outside 0..<\(ImageSet.coarseClassCount)")
    }
}
