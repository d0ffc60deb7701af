// ImageFolderTests: deat's ImageFolder lists the same classes, files, order and class indices as
// torchvision's ImageFolder (expected.json, from scripts/fixtures/gen_image_folder.py), refuses a
// split without classes and a class without images in one line, and keeps its list in the cache.

import Foundation
import Testing
import DataFormats

@Suite("Image folders")
struct ImageFolderTests {
    @Test("classes, files, order and class indices equal torchvision ImageFolder's, for both splits")
    func matchesTorchvision() throws {
        let expected = try expectedFolder()
        for split in ["train", "val"] {
            let want = try #require(expected[split])
            let folder = try ImageFolder.scan(fixture("image-folder/\(split)"))
            #expect(folder.classes == want.classes, "\(split)")
            #expect(folder.files == want.paths, "\(split)")
            #expect(folder.labels == want.labels, "\(split)")
        }
    }

    @Test("a missing split, a split with no class folder and a class folder with no image each stop with one line")
    func layoutErrors() throws {
        try withTemporaryDirectory { dir in
            expectDatasetError(.missingFile, mentioning: "no such directory") { _ = try ImageFolder.scan(dir.appendingPathComponent("train")) }
            try write(Array("x".utf8), to: dir, "train/readme.txt")
            expectDatasetError(.badStructure, mentioning: "no class folders") { _ = try ImageFolder.scan(dir.appendingPathComponent("train")) }
            try write(fixtureBytes("image-folder/train/ant/rgb.jpg"), to: dir, "train/cat/1.jpg")
            try write(Array("x".utf8), to: dir, "train/dog/notes.txt")
            let error = expectDatasetError(.badStructure, mentioning: "class folder holds no image file") {
                _ = try ImageFolder.scan(dir.appendingPathComponent("train"))
            }
            #expect(error?.file.hasSuffix("train/dog") == true, "\(String(describing: error))")
        }
    }

    @Test("the file list is saved once and read back from the cache, also after the folder changed")
    func cache() throws {
        try withTemporaryDirectory { dir in
            let root = dir.appendingPathComponent("data/train")
            try write(fixtureBytes("image-folder/train/ant/rgb.jpg"), to: root, "cat/1.jpg")
            let cache = dir.appendingPathComponent("run/image-folder-train.json")
            try FileManager.default.createDirectory(at: cache.deletingLastPathComponent(), withIntermediateDirectories: true)
            let first = try ImageFolder.load(root, cache: cache)
            #expect(FileManager.default.fileExists(atPath: cache.path))
            try write(fixtureBytes("image-folder/train/ant/rgb.jpg"), to: root, "cat/2.jpg")
            #expect(try ImageFolder.load(root, cache: cache) == first, "a resumed run sees the list it started with")
            #expect(try ImageFolder.scan(root).count == 2)
            let elsewhere = dir.appendingPathComponent("data2/train")
            try write(fixtureBytes("image-folder/train/ant/rgb.jpg"), to: elsewhere, "dog/1.jpg")
            #expect(try ImageFolder.load(elsewhere, cache: cache).classes == ["dog"], "another root is scanned afresh")
        }
    }
}
