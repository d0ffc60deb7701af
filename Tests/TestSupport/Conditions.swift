// Conditions.swift: what some tests need from the machine, each with the reason a test names when
// it does not run. The PyTorch oracle (/usr/bin/python3 with torch) is not one of them: the test
// command installs it, so a test that needs it fails without it.
import Foundation
import Testing
import Torch

/// Debian's dataset-fashion-mnist, the real data of the end-to-end training and evaluation tests.
public let debianFashionMNIST = "/usr/share/datasets/fashion-mnist"
public let fashionMNISTAvailable = FileManager.default.fileExists(atPath: "\(debianFashionMNIST)/train-images-idx3-ubyte.gz")
    && FileManager.default.fileExists(atPath: "\(debianFashionMNIST)/t10k-images-idx3-ubyte.gz")
public let fashionMNISTMissing: Comment = "needs Debian's dataset-fashion-mnist in /usr/share/datasets/fashion-mnist"

/// CUDA devices the linked libtorch sees (deat's executables link the same one).
public let cudaDeviceCount = Device.cudaDeviceCount

/// Whether Debian's /usr/bin/python3 imports torch: the PyTorch oracle. Tests that need it
/// `#require` it and fail, naming the package, when it is missing.
public let pythonHasTorch: Bool = {
    guard FileManager.default.isExecutableFile(atPath: "/usr/bin/python3") else { return false }
    return (try? runProcess(URL(fileURLWithPath: "/usr/bin/python3"), ["-c", "import torch"]).status) == 0
}()

/// The checkout's root, where scripts/ lives.
public let repositoryRoot = URL(fileURLWithPath: #filePath).deletingLastPathComponent().deletingLastPathComponent().deletingLastPathComponent()

/// Runs a committed Python script of the repository (`scripts/…`) with Debian's /usr/bin/python3
/// and requires success.
public func runPythonOracle(_ script: String, _ arguments: [String], sourceLocation: SourceLocation = #_sourceLocation) throws {
    try #require(pythonHasTorch, "the PyTorch oracle is missing: /usr/bin/python3 cannot import torch (install python3-torch)", sourceLocation: sourceLocation)
    let path = repositoryRoot.appendingPathComponent(script).path
    let result = try runProcess(URL(fileURLWithPath: "/usr/bin/python3"), [path] + arguments)
    try #require(result.status == 0, "\(script) failed: \(result.stderr)", sourceLocation: sourceLocation)
}
