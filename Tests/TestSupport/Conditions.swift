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
