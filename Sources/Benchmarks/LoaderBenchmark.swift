// LoaderBenchmark.swift: the data pipeline's own benchmark behind `deat bench loader`, made to show
// that the training loop never waits on data when compute is the bottleneck. deat-only: there is no
// PyTorch peer.
//
// It measures (1) loader throughput in images/s over one full epoch, with batches prepared on the
// caller's thread (prefetch 0) and on the loader's worker (prefetch N), for Fashion-MNIST without
// augmentation and a synthetic CIFAR-sized uint8 set (50,000 × 3×32×32) with crop+flip; and (2) the
// fraction of SmallCNN training time spent waiting on data: wait / wall time over `steps` steps.
import DataFormats
import Datasets
import Foundation
import Models
import NN
import Torch

public struct LoaderBenchmark {
    /// One data set under test.
    public struct Workload {
        public let name: String
        public let data: TensorDataset
        public let augmentation: Augmentation
        public let normalization: Normalization
    }

    /// Wall time of the timed training steps, the part blocked in nextBatch(), and of that the
    /// part spent on each epoch's first batch (which no prefetching can hide).
    public struct TrainingWait: Sendable {
        public let seconds: Double
        public let wait: Double
        public let firstWait: Double
    }

    public var batch: Int
    /// Timed training steps per configuration (after 5 warm-up steps).
    public var steps: Int
    public var seed: UInt64
    public var device: Device

    public init(batch: Int, steps: Int, seed: UInt64 = 0, device: Device = .cpu) {
        (self.batch, self.steps, self.seed, self.device) = (batch, steps, seed, device)
    }

    /// Fashion-MNIST's training set when `directory` has it (else nil), and the synthetic CIFAR set
    /// with CIFAR-10's augmentation and with CIFAR-100's standard one (plus rotation).
    public func workloads(fashionMNIST directory: URL) throws -> (fashionMNIST: Workload?, synthetic: [Workload]) {
        let fashion = try (try? loadImageSet(.fashionMNIST, split: .train, directory: directory)).map {
            Workload(name: "Fashion-MNIST train", data: try TensorDataset($0, device: device), augmentation: .none,
                     normalization: .fashionMNIST)
        }
        let cifar = try syntheticCIFAR()
        let synthetic = [
            Workload(name: "synthetic CIFAR 50k", data: cifar, augmentation: .cifar, normalization: .cifar10),
            Workload(name: "synthetic CIFAR 50k", data: cifar, augmentation: .cropFlip(padding: 4, rotation: 15), normalization: .cifar10),
        ]
        return (fashion, synthetic)
    }

    /// One epoch of `folder`'s train/ through a FolderLoader (decode + RandomResizedCrop(`size`) +
    /// flip on `workers` threads): images per second, timed from the epoch's start to its last
    /// batch, as torchvision's DataLoader is timed by scripts/bench/folder_loader.py.
    public func folderThroughput(_ folder: URL, workers: Int, size: Int = 224) throws -> (images: Int, perSecond: Double) {
        let list = try ImageFolder.scan(folder.appendingPathComponent("train"))
        let loader = try FolderLoader(list, transform: .randomResizedCrop(size: size), batchSize: batch, seed: seed,
                                      workers: workers, device: device)
        let start = DispatchTime.now().uptimeNanoseconds
        let epoch = loader.epoch(0)
        var images = 0
        while let (x, _) = try epoch.nextBatch() { images += x.shape[0] }
        let seconds = Double(DispatchTime.now().uptimeNanoseconds - start) / 1e9
        return (images, Double(images) / seconds)
    }

    public func loader(_ work: Workload, prefetch: Int) throws -> DataLoader {
        try DataLoader(work.data, batchSize: batch, augmentation: work.augmentation, seed: seed, prefetch: prefetch)
    }

    /// Images per second over one whole epoch whose batches the caller only receives.
    public func throughput(_ work: Workload, prefetch: Int) throws -> Double {
        let loader = try loader(work, prefetch: prefetch)
        let start = Timing.now()
        let batches = loader.epoch(0)
        var images = 0
        while let (x, _) = try batches.nextBatch() { images += x.shape[0] }
        try device.synchronize()
        return Double(images) / Timing.seconds(since: start)
    }

    /// SmallCNN training (SGD, momentum 0.9) for `steps` steps after warm-up, and its waits on data.
    public func training(_ work: Workload, prefetch: Int) throws -> TrainingWait {
        // SmallCNN takes its input channels from the normalisation (1 for Fashion-MNIST, 3 for CIFAR).
        let model = try SmallCNN(normalization: work.normalization, device: device, generator: Generator(seed: seed))
        let optimizer = try SGD(parameters: model.parameters(), learningRate: 0.01, momentum: 0.9)
        let loader = try loader(work, prefetch: prefetch)
        func step(_ x: Tensor, _ y: Tensor) throws {
            let loss = try F.crossEntropy(model(x), target: y)
            try optimizer.zeroGrad()
            try loss.backward()
            try optimizer.step()
            _ = try loss.item()  // waits for the step to finish, as a training loop that logs does
        }
        do {  // warm-up in its own epoch, abandoned after 5 steps
            let warm = loader.epoch(0)
            for (x, y) in warm.prefix(5) { try step(x, y) }
        }
        var done = 0, wait = 0.0, firstWait = 0.0
        let start = Timing.now()
        var epoch = 1
        while done < steps {  // more than one epoch if `steps` asks for it; each epoch's waits count
            let batches = loader.epoch(epoch)
            while done < steps, let (x, y) = try batches.nextBatch() {
                if done == 0 { firstWait = batches.waitSeconds }
                try step(x, y)
                done += 1
            }
            wait += batches.waitSeconds
            epoch += 1
        }
        return TrainingWait(seconds: Timing.seconds(since: start), wait: wait, firstWait: firstWait)
    }

    /// 50,000 random 3×32×32 uint8 images with random labels, made in chunks to bound the int64 staging.
    public func syntheticCIFAR() throws -> TensorDataset {
        let gen = try Generator(seed: seed)
        let chunks = try (0..<10).map { _ in
            try Tensor.randint(0, 256, shape: [5_000, 3, 32, 32], generator: gen).to(dtype: .uint8)
        }
        let images = try Tensor.cat(chunks).to(device: device)
        let labels = try Tensor.randint(0, 10, shape: [50_000], generator: gen).to(device: device)
        return try TensorDataset(images: images, labels: labels, classCount: 10)
    }
}
