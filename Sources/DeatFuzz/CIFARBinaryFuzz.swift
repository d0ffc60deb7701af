// CIFARBinaryFuzz.swift: the CIFAR binary target: CIFAR-10 and CIFAR-100 record files, each input
// parsed as both variants (a mutated file may be a whole number of either record size).

import DataFormats

enum CIFARBinaryFuzz {
    static let seeds = CIFARVariant.allCases.map(seed)
    /// Label values at and past each class count.
    static let dictionary: [[UInt8]] = [[0], [9], [10], [19], [20], [99], [100], [0xFF]]

    static func check(_ input: [UInt8]) -> Outcome {
        checkVariants(input) { try CIFARBinary.parse(input, variant: $0, file: "fuzz.bin") }
    }

    /// Three records of `variant`, with in-range labels and their label bytes as the integer fields.
    static func seed(_ variant: CIFARVariant) -> Seed {
        var bytes: [UInt8] = []
        var fields: [Int] = []
        for record in 0..<3 {
            fields += (0..<variant.labelBytes).map { bytes.count + $0 }
            bytes += variant == .cifar10 ? [UInt8(record * 3 % 10)] : [UInt8(record * 7 % 20), UInt8(record * 37 % 100)]
            bytes += (0..<CIFARBinary.imageBytes).map { UInt8(truncatingIfNeeded: record * 31 + $0 * 13) }
        }
        return Seed(bytes, fields: fields)
    }
}
