// loadImageSet: finds a dataset split under `--data-dir`, trying the layouts people actually have, and reads it.
//
// MNIST-style: {train,t10k}-{images-idx3,labels-idx1}-ubyte[.gz] (also the `.idx3-ubyte` spelling and
// torchvision's `raw/` folders). CIFAR: the binary folder, loose binary files, the python folder, loose
// pickles, then the python or binary tarball (read without extracting), in that order; the first layout
// whose first file exists is used, and a file missing from it is an error naming that file.
//
//   let train = try loadImageSet(.cifar10, split: .train, directory: URL(fileURLWithPath: "~/data/cifar"))

import Foundation

/// Loads a split from `directory`: for MNIST-style, {train,t10k}-{images-idx3,labels-idx1}-ubyte with or without .gz;
/// for CIFAR: the binary version (cifar-10-batches-bin/ or files directly in directory), or the python version
/// (cifar-10-batches-py/ or cifar-10-python.tar.gz in directory), whichever is found, trying the obvious layouts.
/// `directory` may also be the tarball itself.
/// - Throws: `DatasetError` naming the file and the problem, with an install hint when nothing is found.
public func loadImageSet(_ name: DatasetName, split: Split, directory: URL) throws -> ImageSet {
    switch name {
    case .fashionMNIST, .mnist:
        return try loadIDXPair(name, split: split, directory: directory)
    case .cifar10:
        return try loadCIFAR(.cifar10, split: split, directory: directory, hint: name.installHint)
    case .cifar100:
        return try loadCIFAR(.cifar100, split: split, directory: directory, hint: name.installHint)
    case .folder:
        // A folder of full-size images would not fit in memory as one set; FolderLoader streams it.
        throw DatasetError(.unsupported, file: directory.path,
                           "an image folder is streamed by `deat train`, not loaded whole; this command reads fashion-mnist, mnist, cifar10 or cifar100")
    }
}

/// Reads an MNIST-style images/labels pair and checks shapes, counts and label range.
func loadIDXPair(_ name: DatasetName, split: Split, directory: URL) throws -> ImageSet {
    let prefix = split == .train ? "train" : "t10k"
    let torchvisionFolder = name == .mnist ? "MNIST" : "FashionMNIST"
    let folders = [directory, directory.appendingPathComponent("raw"),
                   directory.appendingPathComponent(torchvisionFolder).appendingPathComponent("raw")]
    let spellings = [("-images-idx3-ubyte", "-labels-idx1-ubyte"), ("-images.idx3-ubyte", "-labels.idx1-ubyte")]
    var found: (images: URL, labels: URL)?
    search: for folder in folders {
        for (imageStem, labelStem) in spellings {
            for suffix in [".gz", ""] {
                let images = folder.appendingPathComponent(prefix + imageStem + suffix)
                guard exists(images) else { continue }
                // Labels: same folder and spelling; compressed or not independently of the images.
                let labelCandidates = [".gz", ""].map { folder.appendingPathComponent(prefix + labelStem + $0) }
                found = (images, labelCandidates.first(where: exists) ?? labelCandidates[suffix.isEmpty ? 1 : 0])
                break search
            }
        }
    }
    guard let (imagesURL, labelsURL) = found else {
        let expected = directory.appendingPathComponent("\(prefix)-images-idx3-ubyte.gz").path
        throw DatasetError(.missingFile, file: expected, "no such file (nor an uncompressed or raw/ copy)",
                           hint: name.installHint)
    }
    try requireFile(labelsURL, hint: name.installHint)
    let images = try IDX.read(imagesURL)
    let labels = try IDX.read(labelsURL)
    guard images.dimensions.count == 3 else {
        throw DatasetError(.badStructure, file: imagesURL.path,
                           "image file has dimensions \(images.dimensions), expected [count, height, width]")
    }
    guard labels.dimensions.count == 1 else {
        throw DatasetError(.badStructure, file: labelsURL.path,
                           "label file has dimensions \(labels.dimensions), expected [count]")
    }
    guard images.dimensions[0] == labels.dimensions[0] else {
        throw DatasetError(.countMismatch, file: labelsURL.path,
                           "has \(labels.dimensions[0]) labels but \(imagesURL.path) has \(images.dimensions[0]) images")
    }
    let classes = name.classCount
    var labelValues: [Int64] = []
    labelValues.reserveCapacity(labels.bytes.count)
    for (index, byte) in labels.bytes.enumerated() {
        labelValues.append(try checkedLabel(Int64(byte), index: index, classes: classes, what: "label", file: labelsURL.path))
    }
    return ImageSet(images: images.bytes, labels: labelValues, channels: 1, height: images.dimensions[1],
                    width: images.dimensions[2], classCount: classes)
}

/// The file names of one CIFAR variant's two published versions.
private struct CIFARNames {
    let binaryFolder: String, pythonFolder: String, binaryTarball: String, pythonTarball: String
    let members: [String]  // python-version names of the split's batches; binary adds ".bin"

    init(_ variant: CIFARVariant, split: Split) {
        let stem = variant == .cifar10 ? "cifar-10" : "cifar-100"
        binaryFolder = variant == .cifar10 ? "cifar-10-batches-bin" : "cifar-100-binary"
        pythonFolder = variant == .cifar10 ? "cifar-10-batches-py" : "cifar-100-python"
        binaryTarball = "\(stem)-binary.tar.gz"
        pythonTarball = "\(stem)-python.tar.gz"
        switch (variant, split) {
        case (.cifar10, .train): members = (1...5).map { "data_batch_\($0)" }
        case (.cifar10, .test): members = ["test_batch"]
        case (.cifar100, .train): members = ["train"]
        case (.cifar100, .test): members = ["test"]
        }
    }
}

/// A CIFAR pickle or binary batch is at most 50000 images (CIFAR-100 train) plus labels and names.
let cifarMemberLimit = 256 << 20

/// Finds the first CIFAR layout present under `directory` and reads the split's batches from it.
func loadCIFAR(_ variant: CIFARVariant, split: Split, directory: URL, hint: String) throws -> ImageSet {
    let names = CIFARNames(variant, split: split)
    let binaryNames = names.members.map { $0 + ".bin" }
    let first = names.members[0]

    func readFiles(in folder: URL, binary: Bool) throws -> ImageSet {
        let parts = try (binary ? binaryNames : names.members).map { member -> ImageSet in
            let url = folder.appendingPathComponent(member)
            try requireFile(url, hint: hint)
            return binary ? try CIFARBinary.read(url, variant: variant) : try CIFARPickle.read(url, variant: variant)
        }
        return ImageSet.concatenating(parts)
    }

    func readTarball(_ tarball: URL, binary: Bool) throws -> ImageSet {
        let folder = binary ? names.binaryFolder : names.pythonFolder
        let paths = (binary ? binaryNames : names.members).map { "\(folder)/\($0)" }
        let members = try Tar.extract(paths, from: tarball, memberLimit: cifarMemberLimit)
        let parts = try paths.map { path -> ImageSet in
            let label = "\(tarball.path):\(path)"
            return binary ? try CIFARBinary.parse(members[path]!, variant: variant, file: label)
                          : try CIFARPickle.parse(members[path]!, variant: variant, file: label)
        }
        return ImageSet.concatenating(parts)
    }

    var isDirectory: ObjCBool = false
    guard FileManager.default.fileExists(atPath: directory.path, isDirectory: &isDirectory) else {
        throw DatasetError(.missingFile, file: directory.path, "no such directory", hint: hint)
    }
    if !isDirectory.boolValue {  // --data-dir pointing at the tarball itself
        return try readTarball(directory, binary: directory.lastPathComponent.contains("binary"))
    }
    let binaryFolder = directory.appendingPathComponent(names.binaryFolder)
    let pythonFolder = directory.appendingPathComponent(names.pythonFolder)
    if exists(binaryFolder.appendingPathComponent(binaryNames[0])) { return try readFiles(in: binaryFolder, binary: true) }
    if exists(directory.appendingPathComponent(binaryNames[0])) { return try readFiles(in: directory, binary: true) }
    if exists(pythonFolder.appendingPathComponent(first)) { return try readFiles(in: pythonFolder, binary: false) }
    if exists(directory.appendingPathComponent(first)) { return try readFiles(in: directory, binary: false) }
    let pythonTarball = directory.appendingPathComponent(names.pythonTarball)
    if exists(pythonTarball) { return try readTarball(pythonTarball, binary: false) }
    let binaryTarball = directory.appendingPathComponent(names.binaryTarball)
    if exists(binaryTarball) { return try readTarball(binaryTarball, binary: true) }
    let tried = ["\(names.binaryFolder)/\(binaryNames[0])", binaryNames[0], "\(names.pythonFolder)/\(first)", first,
                 names.pythonTarball, names.binaryTarball]
    throw DatasetError(.missingFile, file: directory.path,
                       "no \(variant == .cifar10 ? "CIFAR-10" : "CIFAR-100") \(split.rawValue) data found "
                       + "(looked for \(tried.joined(separator: ", ")))", hint: hint)
}

/// True when `url` is an existing regular file.
private func exists(_ url: URL) -> Bool {
    var isDirectory: ObjCBool = false
    return FileManager.default.fileExists(atPath: url.path, isDirectory: &isDirectory) && !isDirectory.boolValue
}
