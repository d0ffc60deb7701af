// ImageFolder: the list of images of one split of a torchvision ImageFolder tree, with the same
// classes, the same class indices and the same order as torchvision's `ImageFolder` (docs/datasets.md
// §1), and its cache in the run directory.
//
// torchvision's rules, repeated here: the classes are the split folder's subfolders (symbolic links
// followed), sorted by code point, and a class's index is its position in that order; a class's files
// are every file under its folder, at any depth, whose name ends (ignoring case) in one of
// IMG_EXTENSIONS, visited folder by folder in sorted path order and by sorted name within a folder.
// A split without class folders, or a class folder without one image file, is an error, as in
// torchvision. Nothing is opened here: a damaged file is found when it is decoded.
//
// The list is built once per run and saved beside it (`load(_:cache:)`): a resumed run reads the same
// files at the same indices even if the folder changed since, and a million-file tree is walked once.
//
//   let train = try ImageFolder.load(URL(fileURLWithPath: "data/train"), cache: runDir.appendingPathComponent("image-folder-train.json"))
//   train.classes[train.labels[0]], train.url(at: 0)

import Foundation
import Storage

/// One split of an image-folder tree: its classes and its image files, each with its class index.
public struct ImageFolder: Sendable, Equatable, Codable {
    /// The split's folder (DIR/train or DIR/val), as given.
    public let root: String
    /// Class names, sorted; a label is an index into this list.
    public let classes: [String]
    /// Image paths relative to `root`, in torchvision's order.
    public let files: [String]
    /// Class index of each file.
    public let labels: [Int]

    /// torchvision's IMG_EXTENSIONS: files whose lower-cased name ends in one of these are images.
    public static let extensions = [".jpg", ".jpeg", ".png", ".ppm", ".bmp", ".pgm", ".tif", ".tiff", ".webp"]

    /// The layout a user should have, for error hints.
    static let layoutHint = "an image folder holds DIR/train/<class>/<image> and DIR/val/<class>/<image>"

    public init(root: String, classes: [String], files: [String], labels: [Int]) {
        precondition(files.count == labels.count, "ImageFolder: one label per file")
        self.root = root
        self.classes = classes
        self.files = files
        self.labels = labels
    }

    public var count: Int { files.count }

    /// The file of image `index`.
    public func url(at index: Int) -> URL {
        URL(fileURLWithPath: root).appendingPathComponent(files[index])
    }

    /// `n` images spread evenly over the list (positions ⌊k·count/n⌋), all of them when n ≥ count:
    /// the list is sorted by class, so its first n would hold the first classes only.
    public func spread(_ n: Int) -> ImageFolder {
        guard n < count else { return self }
        let picks = (0..<max(n, 0)).map { $0 * count / n }
        return ImageFolder(root: root, classes: classes, files: picks.map { files[$0] }, labels: picks.map { labels[$0] })
    }

    /// Whether `name` is an image file by torchvision's rule.
    public static func isImageFile(_ name: String) -> Bool {
        let lower = name.lowercased()
        return extensions.contains { lower.hasSuffix($0) }
    }

    /// Walks `root` (a split folder) as torchvision's `ImageFolder` does.
    public static func scan(_ root: URL) throws -> ImageFolder {
        var isDirectory: ObjCBool = false
        guard FileManager.default.fileExists(atPath: root.path, isDirectory: &isDirectory), isDirectory.boolValue else {
            throw DatasetError(.missingFile, file: root.path, "no such directory", hint: layoutHint)
        }
        let classes = try entries(of: root).filter { isFolder(root.appendingPathComponent($0)) }.sorted(by: codePointOrder)
        guard !classes.isEmpty else {
            throw DatasetError(.badStructure, file: root.path, "no class folders in it", hint: layoutHint)
        }
        var files: [String] = []
        var labels: [Int] = []
        for (index, name) in classes.enumerated() {
            let before = files.count
            for folder in try foldersUnder(name, root: root).sorted(by: codePointOrder) {
                let names = try entries(of: root.appendingPathComponent(folder))
                    .filter { isImageFile($0) && !isFolder(root.appendingPathComponent(folder).appendingPathComponent($0)) }
                for file in names.sorted(by: codePointOrder) {
                    files.append(folder + "/" + file)
                    labels.append(index)
                }
            }
            guard files.count > before else {
                throw DatasetError(.badStructure, file: root.appendingPathComponent(name).path,
                                   "class folder holds no image file (\(extensions.joined(separator: ", ")))")
            }
        }
        return ImageFolder(root: root.path, classes: classes, files: files, labels: labels)
    }

    /// The list saved in `cache` when it was made from the same `root`, else a fresh scan, saved
    /// there (atomically) when `writeCache`. A cache that cannot be read is replaced.
    public static func load(_ root: URL, cache: URL?, writeCache: Bool = true) throws -> ImageFolder {
        if let cache, let data = try? Data(contentsOf: cache),
           let saved = try? JSONDecoder().decode(ImageFolder.self, from: data), saved.root == root.path {
            return saved
        }
        let folder = try scan(root)
        if let cache, writeCache {
            let encoder = JSONEncoder()
            encoder.outputFormatting = [.sortedKeys]
            try AtomicFile.write(try encoder.encode(folder), to: cache)
        }
        return folder
    }

    /// `relative` (a class folder) and every folder under it, symbolic links followed (os.walk's
    /// followlinks=True), as paths relative to `root`. A link back up the tree is walked once.
    private static func foldersUnder(_ relative: String, root: URL) throws -> [String] {
        var found: [String] = []
        var seen = Set<String>()
        var pending = [relative]
        while let folder = pending.popLast() {
            let url = root.appendingPathComponent(folder)
            guard seen.insert(url.resolvingSymlinksInPath().path).inserted else { continue }
            found.append(folder)
            for name in try entries(of: url) where isFolder(url.appendingPathComponent(name)) {
                pending.append(folder + "/" + name)
            }
        }
        return found
    }

    private static func entries(of folder: URL) throws -> [String] {
        do {
            return try FileManager.default.contentsOfDirectory(atPath: folder.path)
        } catch {
            throw DatasetError(.unreadable, file: folder.path, "cannot list the folder: \((error as NSError).localizedDescription)")
        }
    }

    /// A directory, or a symbolic link to one.
    private static func isFolder(_ url: URL) -> Bool {
        var isDirectory: ObjCBool = false
        return FileManager.default.fileExists(atPath: url.path, isDirectory: &isDirectory) && isDirectory.boolValue
    }

    /// Python's string order (code points), which is the order of the UTF-8 bytes.
    private static func codePointOrder(_ a: String, _ b: String) -> Bool {
        a.utf8.lexicographicallyPrecedes(b.utf8)
    }
}
