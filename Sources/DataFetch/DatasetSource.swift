// DatasetSource.swift: where each dataset `deat data fetch` knows is published, and the MD5 of
// every file, exactly as torchvision 0.14 has them (datasets/mnist.py: MNIST and FashionMNIST,
// datasets/cifar.py: CIFAR10 and CIFAR100). docs/datasets.md §6.
//
// The files are stored under their published names, directly in the target directory: a layout
// deat's readers look in (DataFormats/LoadImageSet.swift: the IDX `.gz` files, and the CIFAR python
// tarball, read without extracting). A test or a mirror builds its own source.
//
//   let source = DatasetSource.builtIn("cifar10")!.mirrored(at: URL(string: "http://127.0.0.1:8000/")!)
import Foundation

/// One dataset's files, their checksums, and the base URLs to try in order.
public struct DatasetSource: Sendable, Equatable {
    /// One published file: its name (under the base URL and in the directory) and its MD5.
    public struct File: Sendable, Equatable {
        public let name: String
        /// 32 lowercase hex digits.
        public let md5: String

        public init(name: String, md5: String) {
            self.name = name
            self.md5 = md5.lowercased()
        }
    }

    /// The name as `deat train --dataset` takes it, e.g. "cifar10".
    public let name: String
    /// Base URLs: a file is fetched from `mirror/file.name`, trying them in order while they answer
    /// "no such file" or cannot be reached.
    public let mirrors: [URL]
    public let files: [File]

    public init(name: String, mirrors: [URL], files: [File]) {
        self.name = name
        self.mirrors = mirrors
        self.files = files
    }

    /// The same files and checksums from `base` only (`--mirror`, `DEAT_DATA_MIRROR`).
    public func mirrored(at base: URL) -> DatasetSource {
        DatasetSource(name: name, mirrors: [base], files: files)
    }

    /// The built-in source of a dataset by its `--dataset` name; nil for one deat does not download.
    public static func builtIn(_ name: String) -> DatasetSource? {
        all.first { $0.name == name }
    }

    /// Every dataset `deat data fetch` downloads.
    public static let all: [DatasetSource] = [fashionMNIST, mnist, cifar10, cifar100]

    /// torchvision's FashionMNIST.mirrors and .resources.
    public static let fashionMNIST = DatasetSource(
        name: "fashion-mnist",
        mirrors: [url("http://fashion-mnist.s3-website.eu-central-1.amazonaws.com/")],
        files: [
            File(name: "train-images-idx3-ubyte.gz", md5: "8d4fb7e6c68d591d4c3dfef9ec88bf0d"),
            File(name: "train-labels-idx1-ubyte.gz", md5: "25c81989df183df01b3e8a0aad5dffbe"),
            File(name: "t10k-images-idx3-ubyte.gz", md5: "bef4ecab320f06d8554ea6380940ec79"),
            File(name: "t10k-labels-idx1-ubyte.gz", md5: "bb300cfdad3c16e7a12a480ee83cd310"),
        ])

    /// torchvision's MNIST.mirrors, in its order (LeCun's site first, PyTorch's S3 copy when that
    /// fails), and .resources.
    public static let mnist = DatasetSource(
        name: "mnist",
        mirrors: [url("http://yann.lecun.com/exdb/mnist/"), url("https://ossci-datasets.s3.amazonaws.com/mnist/")],
        files: [
            File(name: "train-images-idx3-ubyte.gz", md5: "f68b3c2dcbeaaa9fbdd348bbdeb94873"),
            File(name: "train-labels-idx1-ubyte.gz", md5: "d53e105ee54ea40749a09fcbcd1e9432"),
            File(name: "t10k-images-idx3-ubyte.gz", md5: "9fb629c4189551a2d022fa330f9573f3"),
            File(name: "t10k-labels-idx1-ubyte.gz", md5: "ec29112dd5afa0611ce80d1b7f02629c"),
        ])

    /// torchvision's CIFAR10.url and .tgz_md5: the python version, the one torchvision reads too.
    public static let cifar10 = DatasetSource(
        name: "cifar10",
        mirrors: [url("https://www.cs.toronto.edu/~kriz/")],
        files: [File(name: "cifar-10-python.tar.gz", md5: "c58f30108f718f92721af3b95e74349a")])

    /// torchvision's CIFAR100.url and .tgz_md5.
    public static let cifar100 = DatasetSource(
        name: "cifar100",
        mirrors: [url("https://www.cs.toronto.edu/~kriz/")],
        files: [File(name: "cifar-100-python.tar.gz", md5: "eb9058c3a382ffc7106e4002c42a8d85")])

    private static func url(_ text: String) -> URL {
        guard let url = URL(string: text) else { preconditionFailure("DatasetSource: bad built-in URL \(text)") }
        return url
    }
}
