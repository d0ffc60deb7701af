// An image folder through the commands, with Table 7's recipe: `deat train --dataset folder
// --setting imagenet` (δ carried across minibatches) on a tiny folder of PNGs, stopped mid-epoch
// and resumed to the uninterrupted run's bytes; then `deat eval --dataset folder` attacks the
// val/ images with Table 7's PGD-10 and PGD-50 at ε = 4/255 (docs/methods.md §2.11).
import Foundation
import Testing
import TestSupport

@Suite("Image folders in deat's commands", .serialized)
struct FolderCommandTests {
    /// DIR/{train,val}/{ant,bee,cat}/N.png, 16×16 RGB: 4 training and 2 validation images a class.
    static func writeFolder(in dir: URL) throws {
        for (split, count) in [("train", 4), ("val", 2)] {
            for (k, name) in ["ant", "bee", "cat"].enumerated() {
                let folder = dir.appendingPathComponent("\(split)/\(name)")
                try FileManager.default.createDirectory(at: folder, withIntermediateDirectories: true)
                for i in 0..<count {
                    // Each class has its own brightness, so that a few steps can learn something.
                    let png = tinyPNG(width: 16, height: 16) { x, y, c in UInt8((k * 80 + x * 3 + y * 5 + c * 7 + i * 11) % 256) }
                    try Data(png).write(to: folder.appendingPathComponent("\(i).png"))
                }
            }
        }
    }

    func train(data: URL, out: URL, _ extra: [String] = []) -> [String] {
        ["train", "--dataset", "folder", "--data-dir", data.path, "--setting", "imagenet", "--model", "small-cnn", "--image-size", "16",
         "--epochs", "3", "--batch-size", "5", "--validation-size", "6", "--threads", "1", "--checkpoint-minutes", "0", "--out", out.path]
            + extra
    }

    @Test("--setting imagenet on a folder: carried δ in the checkpoint, an exact resume, then eval --dataset folder with PGD-10 and PGD-50")
    func trainResumeEvaluate() throws {
        try withTemporaryDirectory { dir in
            let data = dir.appendingPathComponent("data")
            try Self.writeFolder(in: data)
            let (whole, stopped) = (dir.appendingPathComponent("whole"), dir.appendingPathComponent("stopped"))
            let reference = try runDeat(train(data: data, out: whole))
            try #require(reference.status == 0, "\(reference.stderr)")
            // 12 images in batches of 5: 3 minibatches an epoch; stop in the middle of epoch 2.
            let first = try runDeat(train(data: data, out: stopped, ["--stop-after-batches", "4"]))
            try #require(first.status == 0, "\(first.stderr)")
            let header = try String(decoding: Data(contentsOf: stopped.appendingPathComponent("checkpoint.safetensors")).prefix(4096), as: UTF8.self)
            #expect(header.contains("\"carried_perturbation\""), "the checkpoint keeps the carried δ")
            let resumed = try runDeat(resumeArguments(stopped))
            try #require(resumed.status == 0, "\(resumed.stderr)")
            #expect(try Data(contentsOf: stopped.appendingPathComponent("model.safetensors")) == Data(contentsOf: whole.appendingPathComponent("model.safetensors")))
            #expect(try logWithoutTimes(stopped) == logWithoutTimes(whole))

            let report = dir.appendingPathComponent("eval.json")
            let evaluated = try runDeat([
                "eval", whole.appendingPathComponent("model.safetensors").path, "--dataset", "folder", "--data-dir", data.path,
                "--image-size", "16", "--attacks", "pgd-10,pgd-50", "--n", "6", "--threads", "1", "--report", report.path,
            ])
            try #require(evaluated.status == 0, "\(evaluated.stderr)")
            let json = try #require(try JSONSerialization.jsonObject(with: Data(contentsOf: report)) as? [String: Any])
            #expect(json["n"] as? Int == 6 && json["dataset"] as? String == "folder")
            #expect(abs((json["epsilon"] as? Double ?? 0) - 4.0 / 255) < 1e-12, "ε from the checkpoint: Table 7's 4/255")
            let stages = (json["stages"] as? [[String: Any]] ?? []).compactMap { $0["name"] as? String }
            #expect(stages == ["pgd-10", "pgd-50"])
        }
    }
}
