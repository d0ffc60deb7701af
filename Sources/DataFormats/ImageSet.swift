// ImageSet, DatasetName, Split: what the readers return and how a dataset is named on the command line.
//
// Images stay uint8, channel-planar NCHW (CIFAR's own layout; MNIST has one channel), labels are Int64
// class indices, so later stages (augmentation, batching, tensors) convert once, on their side.
//
//   let dir = URL(fileURLWithPath: DatasetName.fashionMNIST.defaultDirectory!)
//   let test = try loadImageSet(.fashionMNIST, split: .test, directory: dir)
//   test.count == 10_000; test.image(at: 0).count == 784

/// Images as uint8, channel-planar NCHW, one byte per pixel; labels as Int64 class indices.
public struct ImageSet: Sendable, Equatable {
    /// All pixels, `count * channels * height * width` bytes, image after image, each channel-planar.
    public let images: [UInt8]
    /// One class index per image, each in `0..<classCount`.
    public let labels: [Int64]
    /// Number of images.
    public let count: Int
    /// Channels per image (1 for MNIST-style, 3 for CIFAR).
    public let channels: Int
    /// Image height in pixels.
    public let height: Int
    /// Image width in pixels.
    public let width: Int
    /// Number of classes that `labels` index (10, or 100 for CIFAR-100 fine labels).
    public let classCount: Int
    /// CIFAR-100 only: the 20-class superclass ("coarse") label of each image; nil elsewhere.
    public let coarseLabels: [Int64]?

    /// Number of CIFAR-100 coarse classes.
    public static let coarseClassCount = 20

    /// Creates a set; the sizes must agree (a programming error otherwise, checked with `precondition`).
    public init(images: [UInt8], labels: [Int64], channels: Int, height: Int, width: Int, classCount: Int,
                coarseLabels: [Int64]? = nil) {
        precondition(images.count == labels.count * channels * height * width, "ImageSet: pixel count does not match")
        precondition(coarseLabels == nil || coarseLabels!.count == labels.count, "ImageSet: coarse label count")
        self.images = images
        self.labels = labels
        self.count = labels.count
        self.channels = channels
        self.height = height
        self.width = width
        self.classCount = classCount
        self.coarseLabels = coarseLabels
    }

    /// Bytes per image: `channels * height * width`.
    public var imageSize: Int { channels * height * width }

    /// The pixels of image `index`, channel-planar.
    public func image(at index: Int) -> ArraySlice<UInt8> {
        images[index * imageSize..<(index + 1) * imageSize]
    }

    /// For CIFAR-100: the same images labelled with the 20 coarse classes; nil when there are none.
    func withCoarseLabels() -> ImageSet? {
        coarseLabels.map {
            ImageSet(images: images, labels: $0, channels: channels, height: height, width: width,
                     classCount: ImageSet.coarseClassCount, coarseLabels: $0)
        }
    }

    /// Joins sets of the same image shape and classes (e.g. CIFAR-10's five training batches).
    static func concatenating(_ parts: [ImageSet]) -> ImageSet {
        guard let first = parts.first else { preconditionFailure("ImageSet.concatenating: no parts") }
        if parts.count == 1 { return first }
        var images: [UInt8] = []
        var labels: [Int64] = []
        images.reserveCapacity(parts.reduce(0) { $0 + $1.images.count })
        labels.reserveCapacity(parts.reduce(0) { $0 + $1.count })
        var coarse: [Int64]? = first.coarseLabels == nil ? nil : []
        for part in parts {
            precondition(part.imageSize == first.imageSize && part.classCount == first.classCount)
            images += part.images
            labels += part.labels
            if let partCoarse = part.coarseLabels { coarse? += partCoarse }
        }
        return ImageSet(images: images, labels: labels, channels: first.channels, height: first.height,
                        width: first.width, classCount: first.classCount, coarseLabels: coarse)
    }
}

/// A dataset as named by `--dataset`.
public enum DatasetName: String, Codable, Sendable, CaseIterable {
    /// Fashion-MNIST (Xiao et al. 2017): 28×28 grey, 10 classes, IDX files.
    case fashionMNIST = "fashion-mnist"
    /// MNIST: 28×28 grey digits, 10 classes, IDX files.
    case mnist
    /// CIFAR-10: 32×32 RGB, 10 classes.
    case cifar10
    /// CIFAR-100: 32×32 RGB, 100 fine classes (coarse labels kept in `ImageSet.coarseLabels`).
    case cifar100
    /// An image folder in torchvision's ImageFolder layout (DIR/train/<class>/*, DIR/val/<class>/*),
    /// JPEG and PNG, any size: read by `ImageFolder` and `FolderLoader`, never into one ImageSet.
    case folder

    /// Where the data usually is when no `--data-dir` is given: Debian's `dataset-fashion-mnist` location
    /// for Fashion-MNIST; nil for the others, which no distribution packages.
    public var defaultDirectory: String? {
        self == .fashionMNIST ? "/usr/share/datasets/fashion-mnist" : nil
    }

    /// Number of classes of the default labels (a folder's are its class folders: `ImageFolder.classes`).
    public var classCount: Int { self == .cifar100 ? 100 : 10 }

    /// Image shape (channels, height, width).
    public var imageShape: (channels: Int, height: Int, width: Int) {
        switch self {
        case .fashionMNIST, .mnist: return (1, 28, 28)
        case .cifar10, .cifar100: return (3, 32, 32)
        case .folder: return (3, 224, 224)  // the default --image-size
        }
    }

    /// What to tell a user whose files are missing: `deat data fetch` (docs/datasets.md §6) for the
    /// four datasets it downloads.
    public var installHint: String {
        switch self {
        case .fashionMNIST:
            return "install the Debian package dataset-fashion-mnist, or run deat data fetch fashion-mnist DIR and pass --data-dir DIR"
        case .mnist, .cifar10, .cifar100:
            return "run deat data fetch \(rawValue) DIR and pass --data-dir DIR"
        case .folder:
            return ImageFolder.layoutHint + "; pass DIR as --data-dir"
        }
    }
}

/// Which part of a dataset to load.
public enum Split: String, Sendable, CaseIterable {
    /// The training images (MNIST `train-*`, CIFAR `data_batch_1…5` / `train`).
    case train
    /// The test images (MNIST `t10k-*`, CIFAR `test_batch` / `test`).
    case test
}
