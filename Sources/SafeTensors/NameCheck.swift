// NameCheck.swift: the strict name/shape check run before loading a file into a model.
//
// Why one error with everything: a prefix mismatch ("module.conv1.weight" vs "conv1.weight") or a
// wrong architecture shows up as dozens of missing and unexpected keys at once; listing them all in one
// message shows the pattern, where failing on the first key hides it (docs/architecture.md §2, mlx-swift
// `verify: .all`; §5, "deat's loader names missing and unexpected keys instead").
//
// Usage: try checkNames(expected: model.parameterShapes, in: file)

/// Checks that `file` holds exactly the tensors in `expected`, with the expected shapes.
///
/// Lists are in `expected` order (missing, wrong shape) and file order (unexpected). Dtypes are not
/// checked here: the loader converts or rejects them per tensor.
/// - Throws: `SafeTensorsError` with problem `.nameMismatch(missing:unexpected:wrongShape:)` naming every
///   offending key, and `source` = `source`.
public func checkNames(expected: [(name: String, shape: [Int])], in file: SafeTensorsFile,
                       source: String = "<memory>") throws(SafeTensorsError) {
    var missing: [String] = []
    var wrongShape: [ShapeMismatch] = []
    var expectedNames = Set<String>()
    for (name, shape) in expected {
        expectedNames.insert(name)
        guard let entry = file[name] else {
            missing.append(name)
            continue
        }
        if entry.shape != shape { wrongShape.append(ShapeMismatch(name: name, expected: shape, found: entry.shape)) }
    }
    let unexpected = file.entries.map(\.name).filter { !expectedNames.contains($0) }
    guard missing.isEmpty, unexpected.isEmpty, wrongShape.isEmpty else {
        throw SafeTensorsError(source: source,
                               problem: .nameMismatch(missing: missing, unexpected: unexpected, wrongShape: wrongShape))
    }
}
