// `deat predict` end to end: a checkpoint's logits for images in a safetensors file equal those of
// the PyTorch twin loading the same file (scripts/interop/check_model.py, the same libtorch), and
// uint8 images give the logits of the same images as floats in [0, 1].
import Foundation
import Testing
import TestSupport

@Suite("deat predict")
struct PredictCLITests {
    let deat = builtProduct("deat")

    /// A safetensors file holding one little-endian tensor "x".
    static func writeImages(_ values: [UInt8], shape: [Int], asFloat: Bool, to url: URL) throws {
        let body: Data = asFloat
            ? values.reduce(into: Data()) { data, v in withUnsafeBytes(of: (Float(v) / 255).bitPattern.littleEndian) { data.append(contentsOf: $0) } }
            : Data(values)
        var header = Data("{\"x\":{\"dtype\":\"\(asFloat ? "F32" : "U8")\",\"shape\":\(shape),\"data_offsets\":[0,\(body.count)]}}".utf8)
        header.append(contentsOf: Array(repeating: UInt8(ascii: " "), count: (8 - header.count % 8) % 8))
        var file = Data()
        withUnsafeBytes(of: UInt64(header.count).littleEndian) { file.append(contentsOf: $0) }
        try (file + header + body).write(to: url)
    }

    /// The "logits" tensor (or another float32 one) of a file deat predict or check_model.py wrote, as floats.
    static func logits(_ url: URL, tensor name: String = "logits") throws -> [Float] {
        let data = try Data(contentsOf: url)
        let size = Int(data.prefix(8).withUnsafeBytes { $0.loadUnaligned(as: UInt64.self) })
        let header = try JSONSerialization.jsonObject(with: data.subdata(in: 8..<(8 + size))) as! [String: Any]
        let entry = try #require(header[name] as? [String: Any], "no tensor \(name) in \(url.lastPathComponent)")
        #expect(entry["dtype"] as? String == "F32")
        let offsets = entry["data_offsets"] as! [Int]
        return data.subdata(in: (8 + size + offsets[0])..<(8 + size + offsets[1])).withUnsafeBytes { Array($0.bindMemory(to: Float.self)) }
    }

    @Test("logits equal PyTorch's for the same checkpoint, and uint8 input equals the same images as floats")
    func logitsMatchPyTorch() throws {
        try withTemporaryDirectory { dir in
            try CLIErrorTableTests.writeFixtures(in: dir)  // m.safetensors: a SmallCNN trained on 1×28×28 images
            var random = SplitMix64(seed: 0x9E3D)
            let pixels = random.bytes(6 * 784)
            let floats = dir.appendingPathComponent("x.safetensors"), bytes = dir.appendingPathComponent("x8.safetensors")
            try Self.writeImages(pixels, shape: [6, 1, 28, 28], asFloat: true, to: floats)
            try Self.writeImages(pixels, shape: [6, 1, 28, 28], asFloat: false, to: bytes)
            let model = dir.appendingPathComponent("m.safetensors").path
            var outputs: [[Float]] = []
            for (input, name) in [(floats, "a"), (bytes, "b")] {
                let out = dir.appendingPathComponent("\(name).safetensors")
                let run = try runProcess(deat, ["predict", model, "--input", input.path, "--output", out.path, "--batch-size", "4", "--threads", "1"])
                try #require(run.status == 0, "\(run.stderr)")
                #expect(run.stdout.contains("logits [6, 10]"), "\(run.stdout)")
                outputs.append(try Self.logits(out))
            }
            #expect(outputs[0].count == 60 && outputs[0].allSatisfy(\.isFinite))
            #expect(outputs[0] == outputs[1], "uint8 and float inputs gave different logits")
            // The oracle is Debian's python3-torch, which the test command installs: without it this test fails.
            try #require(FileManager.default.isExecutableFile(atPath: "/usr/bin/python3"), "no /usr/bin/python3: install python3-torch")
            let script = URL(fileURLWithPath: #filePath).deletingLastPathComponent().appendingPathComponent("../../scripts/interop/check_model.py").standardized
            let reference = dir.appendingPathComponent("torch.safetensors")
            let torch = try runProcess(URL(fileURLWithPath: "/usr/bin/python3"), [script.path, "forward", "--weights", model, "--input", floats.path, "--output", reference.path])
            try #require(torch.status == 0, "check_model.py failed (is python3-torch installed?): \(torch.stderr)")
            let worst = zip(outputs[0], try Self.logits(reference)).map { abs($0 - $1) }.max() ?? .infinity
            #expect(worst < 1e-5, "largest logit difference from PyTorch \(worst)")
        }
    }
}
