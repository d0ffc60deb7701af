// PythonInteropTests.swift: files cross between deat and PyTorch in both directions.
//
// Uses /usr/bin/python3 with torch (Debian python3-torch) and a tiny reader/writer written inline
// with struct/json/torch.frombuffer, so the `safetensors` Python package is not needed. The test
// command installs python3-torch, so without it these tests fail rather than skip.

import Foundation
import Testing
import SafeTensors

/// True when /usr/bin/python3 exists and can import torch.
let pythonTorchAvailable: Bool = {
    guard FileManager.default.isExecutableFile(atPath: "/usr/bin/python3") else { return false }
    return (try? runPython("import torch", arguments: []))?.status == 0
}()

let pythonTorchMissing: Comment = "the PyTorch oracle is missing: /usr/bin/python3 cannot import torch (install python3-torch)"

/// Runs `script` with /usr/bin/python3, returning exit status and stdout (stderr is appended on failure).
func runPython(_ script: String, arguments: [String]) throws -> (status: Int32, output: String) {
    let process = Process()
    process.executableURL = URL(fileURLWithPath: "/usr/bin/python3")
    process.arguments = ["-c", script] + arguments
    let out = Pipe(), err = Pipe()
    process.standardOutput = out
    process.standardError = err
    try process.run()
    // Read before waiting so a full pipe cannot deadlock the child.
    let stdout = out.fileHandleForReading.readDataToEndOfFile()
    let stderr = err.fileHandleForReading.readDataToEndOfFile()
    process.waitUntilExit()
    let text = String(decoding: stdout, as: UTF8.self)
    return (process.terminationStatus, process.terminationStatus == 0 ? text : text + String(decoding: stderr, as: UTF8.self))
}

/// Reads a safetensors file with torch and prints {name: [dtype, shape, values as floats]} plus metadata.
private let pythonReader = #"""
import json, struct, sys, torch
dtypes = {"BOOL": torch.bool, "U8": torch.uint8, "I8": torch.int8, "I16": torch.int16, "F16": torch.float16,
          "BF16": torch.bfloat16, "I32": torch.int32, "F32": torch.float32, "F64": torch.float64, "I64": torch.int64}
raw = open(sys.argv[1], "rb").read()
(n,) = struct.unpack("<Q", raw[:8])
assert n % 8 == 0, "header not padded to 8"
header = json.loads(raw[8:8 + n])
buf = bytearray(raw[8 + n:])
out = {"__metadata__": header.pop("__metadata__", None)}
for name, info in header.items():
    begin, end = info["data_offsets"]
    dtype = dtypes[info["dtype"]]
    if end == begin:
        t = torch.empty(info["shape"], dtype=dtype)
    else:
        t = torch.frombuffer(buf[begin:end], dtype=dtype).reshape(info["shape"])
    out[name] = [str(t.dtype), list(t.shape), [float(v) for v in t.double().flatten().tolist()]]
print(json.dumps(out, sort_keys=True))
"""#

/// Writes a safetensors file from torch tensors with its own key order and no metadata.
private let pythonWriter = #"""
import json, struct, sys, torch
names = {torch.float32: "F32", torch.int64: "I64", torch.bool: "BOOL", torch.float64: "F64", torch.uint8: "U8"}
tensors = {
    "layer1.0.conv1.weight": torch.arange(24, dtype=torch.float32).reshape(2, 3, 2, 2) / 4 - 1,
    "bn1.num_batches_tracked": torch.tensor(7, dtype=torch.int64),
    "mask": torch.tensor([True, False, True]),
    "empty": torch.zeros(0, 3, dtype=torch.float64),
    "labels": torch.tensor([9, 0, 255], dtype=torch.uint8),
}
header, blobs, offset = {}, [], 0
for name in reversed(sorted(tensors)):          # not the reference order, on purpose
    t = tensors[name].contiguous()
    data = t.numpy().tobytes()                     # little-endian on x86
    header[name] = {"dtype": names[t.dtype], "shape": list(t.shape), "data_offsets": [offset, offset + len(data)]}
    blobs.append(data)
    offset += len(data)
text = json.dumps(header).encode()                 # ", " and ": " separators, unlike serde
text += b" " * (-len(text) % 8)
with open(sys.argv[1], "wb") as f:
    f.write(struct.pack("<Q", len(text)) + text + b"".join(blobs))
"""#

@Suite("SafeTensors interop with PyTorch")
struct PythonInteropTests {
    @Test("torch reads every dtype, shape and value that deat writes")
    func torchReadsDeatFile() throws {
        try #require(pythonTorchAvailable, pythonTorchMissing)
        let dir = try makeTempDirectory()
        defer { removeDirectory(dir) }
        let url = dir.appendingPathComponent("deat.safetensors")
        // U16/U32/U64 are left out: torch 1.13 has no such dtypes.
        let entries = sampleEntries().filter { ![.u16, .u32, .u64].contains($0.dtype) }
        try SafeTensorsFile.write(entries, metadata: ["deat.version": "0.1.0"], to: url)
        let (status, output) = try runPython(pythonReader, arguments: [url.path])
        try #require(status == 0, "python failed: \(output)")
        let json = try #require(try JSONSerialization.jsonObject(with: Data(output.utf8)) as? [String: Any])
        #expect(json["__metadata__"] as? [String: String] == ["deat.version": "0.1.0", "format": "pt"])

        func check(_ name: String, _ dtype: String, _ shape: [Int], _ values: [Double]) {
            guard let item = json[name] as? [Any], item.count == 3 else { Issue.record("torch did not see \(name)"); return }
            #expect(item[0] as? String == dtype, "\(name)")
            #expect(item[1] as? [Int] == shape, "\(name)")
            #expect(item[2] as? [Double] == values, "\(name)")
        }
        check("conv1.weight", "torch.float32", [2, 1, 2, 2], (0..<8).map { Double($0) * 0.5 - 1 })
        check("scale", "torch.float64", [], [Double.pi])
        check("bn1.num_batches_tracked", "torch.int64", [], [1234])
        check("empty.i64", "torch.int64", [0], [])
        check("empty.f32", "torch.float32", [3, 0, 2], [])
        check("mask", "torch.bool", [4], [1, 0, 0, 1])
        check("pixels", "torch.uint8", [5], [0, 1, 127, 128, 255])
        check("i8", "torch.int8", [3], [-128, 0, 127])
        check("i16", "torch.int16", [2], [-300, 300])
        check("i32", "torch.int32", [1, 2], [Double(Int32.min), Double(Int32.max)])
        check("half", "torch.float16", [2], [1, -2])
        check("bhalf", "torch.bfloat16", [2], [1, -2])
        #expect(json.count == entries.count + 1)
    }

    @Test("deat reads a file written by torch with foreign key order, separators and no metadata")
    func deatReadsTorchFile() throws {
        try #require(pythonTorchAvailable, pythonTorchMissing)
        let dir = try makeTempDirectory()
        defer { removeDirectory(dir) }
        let url = dir.appendingPathComponent("torch.safetensors")
        let (status, output) = try runPython(pythonWriter, arguments: [url.path])
        try #require(status == 0, "python failed: \(output)")
        let file = try SafeTensorsFile.read(contentsOf: url)
        #expect(file.metadata.isEmpty)
        #expect(Set(file.names) == ["layer1.0.conv1.weight", "bn1.num_batches_tracked", "mask", "empty", "labels"])
        #expect(file["layer1.0.conv1.weight"]?.shape == [2, 3, 2, 2])
        #expect(file["layer1.0.conv1.weight"]?.values(as: Float.self) == (0..<24).map { Float($0) / 4 - 1 })
        #expect(file["bn1.num_batches_tracked"]?.shape == [])
        #expect(file["bn1.num_batches_tracked"]?.values(as: Int64.self) == [7])
        #expect(file["mask"]?.values(as: Bool.self) == [true, false, true])
        #expect(file["empty"]?.shape == [0, 3])
        #expect(file["empty"]?.dtype == .f64)
        #expect(file["labels"]?.values(as: UInt8.self) == [9, 0, 255])
    }
}
