// AdversarialImages.swift: the final input of every evaluated point, kept while the evaluator runs
// for `deat eval --save-adversarial` (docs/attacks.md §10.6): the clean image until an attack breaks
// the point, then the image that broke it (a broken point is never attacked again, so that image
// is final). A resumable evaluation also writes each batch's broken images to one small file beside
// its state (`STATE.adversarial/attack-A-batch-B.safetensors`), so a killed run resumes with them;
// the files cost the images once, not once per batch as rewriting one big file would.
import Attacks
import Foundation
import NN
import Torch

struct AdversarialImages {
    /// Where each batch's broken images are written; nil: kept in memory only.
    let directory: URL?
    private(set) var images: Tensor

    init(clean: Tensor, directory: URL?) {
        self.images = clean
        self.directory = directory
    }

    /// The folder beside a state file.
    static func directory(besides stateFile: URL) -> URL {
        URL(fileURLWithPath: stateFile.path + ".adversarial")
    }

    static func fileName(attack: Int, batch: Int) -> String {
        "attack-\(attack)-batch-\(batch).safetensors"
    }

    /// Records that attack `attack`'s batch `batch` broke `points` with `found` (rows in that order);
    /// the file is written before the state that counts the points broken, so a resumed state never
    /// names a broken point without its image.
    mutating func record(attack: Int, batch: Int, points: [Int], images found: Tensor) throws {
        guard !points.isEmpty else { return }
        let index = try Tensor(points.map(Int64.init), shape: [points.count])
        images = try puttingRows(images, index.to(device: images.device), found.to(dtype: images.dtype))
        guard let directory else { return }
        try FileManager.default.createDirectory(at: directory, withIntermediateDirectories: true)
        try Checkpoint.save(
            [("indices", index), ("images", found.to(device: .cpu))], metadata: ["attack_index": "\(attack)"],
            to: directory.appendingPathComponent(Self.fileName(attack: attack, batch: batch)))
    }

    /// Puts back the images of an interrupted run: from every batch file, the rows of the points
    /// the state says that attack broke (a batch killed after its file but before its state is
    /// redone, so its file may name points the state does not count yet; those are skipped).
    mutating func reload(brokenBy: [Int]) throws {
        guard let directory else { return }
        let names = (try? FileManager.default.contentsOfDirectory(atPath: directory.path)) ?? []
        for name in names.sorted() {
            let parts = name.split(separator: "-")
            guard parts.count == 4, parts[0] == "attack", parts[2] == "batch", name.hasSuffix(".safetensors"),
                let attack = Int(parts[1])
            else { continue }
            let file = try Checkpoint.read(directory.appendingPathComponent(name))
            guard let indexEntry = file["indices"], let imageEntry = file["images"] else {
                throw EvaluationError("\(directory.path)/\(name) lacks indices or images; delete the state file and its .adversarial folder, or use --fresh")
            }
            let index = try Checkpoint.tensor(indexEntry, source: name)
            let found = try Checkpoint.tensor(imageEntry, source: name)
            let keep = try index.ints().enumerated().filter { $0.element < brokenBy.count && brokenBy[$0.element] == attack }.map { Int64($0.offset) }
            guard !keep.isEmpty else { continue }
            let rows = try Tensor(keep, shape: [keep.count])
            try images = puttingRows(
                images, index.indexSelect(dim: 0, indices: rows).to(device: images.device),
                found.indexSelect(dim: 0, indices: rows).to(device: images.device, dtype: images.dtype))
        }
    }
}
