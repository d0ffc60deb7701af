// CIFAR: the two published encodings of CIFAR-10/100 batches (https://www.cs.toronto.edu/~kriz/cifar.html).
//
// Binary version: fixed records, CIFAR-10 `<label><3072 pixels>`, CIFAR-100 `<coarse><fine><3072 pixels>`;
// the file must be a whole number of records. Python version: a pickled dict (Pickle.swift) whose `data`
// is a numpy uint8 array N×3072 (rebuilt from its `_reconstruct` + BUILD state, never executed) and whose
// `labels` (CIFAR-10) or `fine_labels`/`coarse_labels` (CIFAR-100) are int lists. Pixels are channel-planar
// (1024 R, 1024 G, 1024 B, rows of 32) in both, which is ImageSet's layout, so rows are copied as they are.
//
//   let test = try CIFARBinary.read(dir.appending(path: "test_batch.bin"), variant: .cifar10)

import Foundation

/// CIFAR-10 or CIFAR-100: how many classes and label bytes a record has.
public enum CIFARVariant: String, Sendable, CaseIterable {
    /// 10 classes, one label byte per binary record.
    case cifar10
    /// 100 fine classes in 20 coarse ones, two label bytes (coarse, fine) per binary record.
    case cifar100

    /// Classes of the default (fine) labels.
    public var classCount: Int { self == .cifar10 ? 10 : 100 }
    /// Label bytes before each image in the binary version.
    public var labelBytes: Int { self == .cifar10 ? 1 : 2 }
    /// Bytes of one binary record.
    public var recordSize: Int { labelBytes + CIFARBinary.imageBytes }
}

/// Reader for the binary version (`data_batch_1.bin` …, `train.bin` …).
public enum CIFARBinary {
    /// Pixels per image: 3 channels of 32×32.
    public static let imageBytes = 3 * 32 * 32

    /// Reads one binary batch file.
    public static func read(_ url: URL, variant: CIFARVariant) throws -> ImageSet {
        try parse(readWholeFile(url), variant: variant, file: url.path)
    }

    /// Parses a binary batch held in memory; `file` names it in errors.
    public static func parse(_ bytes: [UInt8], variant: CIFARVariant, file: String = "<memory>") throws -> ImageSet {
        let record = variant.recordSize
        guard !bytes.isEmpty else { throw DatasetError(.truncated, file: file, "empty file, expected \(record)-byte records") }
        guard bytes.count % record == 0 else {
            throw DatasetError(.truncated, file: file, "truncated: \(bytes.count) bytes is not a whole number of "
                               + "\(record)-byte records (\(bytes.count / record) records and \(bytes.count % record) bytes)")
        }
        let count = bytes.count / record
        var images: [UInt8] = []
        images.reserveCapacity(count * imageBytes)
        var fine: [Int64] = []
        fine.reserveCapacity(count)
        var coarse: [Int64] = []
        for index in 0..<count {
            let start = index * record
            if variant == .cifar100 {
                coarse.append(try checkedLabel(Int64(bytes[start]), index: index, classes: ImageSet.coarseClassCount,
                                               what: "coarse label", file: file))
            }
            fine.append(try checkedLabel(Int64(bytes[start + variant.labelBytes - 1]), index: index,
                                         classes: variant.classCount, what: "label", file: file))
            images += bytes[start + variant.labelBytes..<start + record]
        }
        return ImageSet(images: images, labels: fine, channels: 3, height: 32, width: 32,
                        classCount: variant.classCount, coarseLabels: variant == .cifar100 ? coarse : nil)
    }
}

/// Reader for the python version (`data_batch_1` …, `train`, `test`): pickled dicts.
public enum CIFARPickle {
    /// Reads one pickled batch file.
    public static func read(_ url: URL, variant: CIFARVariant) throws -> ImageSet {
        try parse(readWholeFile(url), variant: variant, file: url.path)
    }

    /// Parses a pickled batch held in memory; `file` names it in errors.
    public static func parse(_ bytes: [UInt8], variant: CIFARVariant, file: String = "<memory>") throws -> ImageSet {
        try decode(Pickle.parse(bytes, file: file), variant: variant, file: file)
    }

    /// Interprets an unpickled batch dict.
    public static func decode(_ batch: PickleValue, variant: CIFARVariant, file: String) throws -> ImageSet {
        func bad(_ problem: String) -> DatasetError { DatasetError(.badStructure, file: file, problem) }
        guard case .dict = batch else { throw bad("pickle holds \(batch.kindName), expected a dict with 'data' and labels") }
        guard let data = batch["data"] else { throw bad("pickled dict has no 'data' key") }
        let (rows, pixels) = try array(data, file: file)
        let labelKey = variant == .cifar10 ? "labels" : "fine_labels"
        let labels = try labelList(batch, key: labelKey, rows: rows, classes: variant.classCount, file: file)
        let coarse = variant == .cifar100
            ? try labelList(batch, key: "coarse_labels", rows: rows, classes: ImageSet.coarseClassCount, file: file)
            : nil
        return ImageSet(images: pixels, labels: labels, channels: 3, height: 32, width: 32,
                        classCount: variant.classCount, coarseLabels: coarse)
    }

    private static func labelList(_ batch: PickleValue, key: String, rows: Int, classes: Int, file: String) throws -> [Int64] {
        guard let value = batch[key] else {
            throw DatasetError(.badStructure, file: file, "pickled dict has no '\(key)' key")
        }
        guard let items = value.items else {
            throw DatasetError(.badStructure, file: file, "'\(key)' is \(value.kindName), expected a list of ints")
        }
        guard items.count == rows else {
            throw DatasetError(.countMismatch, file: file, "'data' has \(rows) images but '\(key)' has \(items.count) entries")
        }
        return try items.enumerated().map { index, item in
            guard let label = item.integer else {
                throw DatasetError(.badStructure, file: file, "'\(key)'[\(index)] is \(item.kindName), expected an int")
            }
            return try checkedLabel(label, index: index, classes: classes, what: "'\(key)' entry", file: file)
        }
    }

    /// Rows and bytes of the numpy uint8 array `(N, 3072)` (or `(N, 3, 32, 32)`) that `data` holds.
    private static func array(_ value: PickleValue, file: String) throws -> (rows: Int, bytes: [UInt8]) {
        func bad(_ problem: String) -> DatasetError { DatasetError(.badStructure, file: file, "'data': " + problem) }
        guard case .built(.reduce(.global(_, "_reconstruct"), .tuple(let args)), .tuple(var state)) = value,
              case .global("numpy", "ndarray")? = args.first
        else { throw bad("\(value.kindName) is not a pickled numpy array") }
        if state.count == 5 { state.removeFirst() }  // (version, shape, dtype, is_fortran, raw); older numpy omits version
        guard state.count == 4 else { throw bad("numpy array state has \(state.count) items, expected 4 or 5") }
        guard let shape = state[0].items?.compactMap(\.integer), shape.count == state[0].items?.count,
              let rows = shape.first, rows >= 0, shape.allSatisfy({ $0 >= 0 && $0 <= Int64(Int32.max) })
        else { throw bad("array shape \(state[0].kindName) is not a tuple of sizes") }
        let rowSize = shape.dropFirst().reduce(Int64(1)) { product, size in
            let (next, overflow) = product.multipliedReportingOverflow(by: size)
            return overflow ? -1 : (product < 0 ? -1 : next)
        }
        guard rowSize == Int64(CIFARBinary.imageBytes), shape.count >= 2 else {
            throw bad("array shape \(shape) is not (N, 3072)")
        }
        guard dtypeName(state[1]) == "u1" else {
            // Quoted: the dtype string comes from the file and may hold a newline.
            throw bad("array dtype \(dtypeName(state[1]).map(quotedName) ?? state[1].kindName) is not uint8 ('u1')")
        }
        guard state[2].integer == 0 else { throw bad("Fortran-ordered arrays are not supported") }
        guard case .bytes(let raw) = state[3] else { throw bad("array data is \(state[3].kindName), expected bytes") }
        let expected = Int(rows) * CIFARBinary.imageBytes
        guard raw.count == expected else {
            throw DatasetError(raw.count < expected ? .truncated : .badStructure, file: file,
                               "'data': array shape \(shape) needs \(expected) bytes, the pickle holds \(raw.count)")
        }
        return (Int(rows), raw)
    }

    /// The type string of a pickled `numpy.dtype('u1', ...)`, with or without its BUILD state.
    private static func dtypeName(_ value: PickleValue) -> String? {
        var call = value
        if case .built(let object, _) = value { call = object }
        guard case .reduce(.global("numpy", "dtype"), .tuple(let args)) = call else { return nil }
        return args.first?.text
    }
}

/// `label` if it lies in `0..<classes`, else a `labelOutOfRange` error naming the file and index.
func checkedLabel(_ label: Int64, index: Int, classes: Int, what: String, file: String) throws -> Int64 {
    guard label >= 0, label < Int64(classes) else {
        throw DatasetError(.labelOutOfRange, file: file, "\(what) \(label) of image \(index) is not in 0..<\(classes)")
    }
    return label
}

/// The whole file as bytes, with clear errors for a missing or unreadable file.
func readWholeFile(_ url: URL) throws -> [UInt8] {
    try requireFile(url)
    do {
        return [UInt8](try Data(contentsOf: url))
    } catch {
        throw DatasetError(.unreadable, file: url.path, "cannot read: \(error.localizedDescription)")
    }
}
