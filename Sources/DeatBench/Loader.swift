// Loader.swift: `deat-bench loader`, the data pipeline's own benchmark (the goal: "the training loop
// never waits when compute is the bottleneck"). Not a test, and deat-only: there is no PyTorch peer.
//
//   swift run -c release deat-bench loader                 # both sets, 100 training steps each
//   swift run -c release deat-bench loader --threads 2 --steps 200
//
// It measures (1) loader throughput in images/s over one full epoch, with batches prepared on the
// caller's thread (prefetch 0) and on the loader's worker (prefetch 2), for Fashion-MNIST without
// augmentation and a synthetic CIFAR-sized uint8 set (50,000 × 3×32×32) with crop+flip; and (2) the
// fraction of SmallCNN training time spent waiting on data: wait / wall time over `--steps` steps.
import ArgumentParser
import DataFormats
import Datasets
import Foundation
import Models
import NN
import Torch

struct LoaderBench: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "loader",
        abstract: "Data loader throughput and the share of a SmallCNN training step spent waiting on data.")

    @Option(help: "libtorch intra-op threads (default: all cores).")
    var threads: Int = ProcessInfo.processInfo.activeProcessorCount

    @Option(help: "Compute device: cpu, cuda or cuda:N.")
    var device: String = "cpu"

    @Option(help: "Directory with the Fashion-MNIST IDX files; its rows are skipped when absent.")
    var dataDir: String = DatasetName.fashionMNIST.defaultDirectory ?? "."

    @Option(help: "Minibatch size.")
    var batch: Int = 128

    @Option(help: "Timed training steps per configuration (after 5 warm-up steps).")
    var steps: Int = 100

    @Option(help: "Batches the worker prepares ahead in the background rows.")
    var prefetch: Int = 2

    func validate() throws {
        guard threads >= 1 else { throw ValidationError("--threads must be at least 1") }
        guard batch >= 1, steps >= 1 else { throw ValidationError("--batch and --steps must be at least 1") }
        guard prefetch >= 1 else { throw ValidationError("--prefetch must be at least 1 (0 is always measured)") }
    }

    /// One data set under test.
    struct Workload {
        let name: String
        let data: TensorDataset
        let augmentation: Augmentation
        let normalization: Normalization
    }

    func run() throws {
        Runtime.threads = threads
        let device = try Device(parsing: device)
        try device.validate()
        var workloads: [Workload] = []
        let dir = URL(fileURLWithPath: dataDir)
        if let set = try? loadImageSet(.fashionMNIST, split: .train, directory: dir) {
            workloads.append(Workload(
                name: "Fashion-MNIST train", data: try TensorDataset(set, device: device), augmentation: .none,
                normalization: .fashionMNIST))
        } else {
            print("note: no Fashion-MNIST in \(dataDir); its rows are skipped (install dataset-fashion-mnist)")
        }
        workloads.append(Workload(
            name: "synthetic CIFAR 50k", data: try syntheticCIFAR(device: device), augmentation: .cifar,
            normalization: .cifar10))

        print("Loader throughput, one epoch, batch \(batch), \(threads) thread(s), \(device), \(Runtime.libtorchVersion)")
        print(pad("set", 22) + pad("augmentation", 28) + pad("batches", 9) + pad("prefetch 0", 19) + "prefetch \(prefetch)")
        for work in workloads {
            let sync = try throughput(work, prefetch: 0, device: device)
            let background = try throughput(work, prefetch: prefetch, device: device)
            let batches = try loader(work, prefetch: 0).batchesPerEpoch
            print(pad(work.name, 22) + pad("\(work.augmentation)", 28) + pad("\(batches)", 9)
                + pad(String(format: "%9.0f img/s", sync), 19) + String(format: "%9.0f img/s", background))
        }

        print("\nSmallCNN training (SGD, momentum 0.9), \(steps) steps of batch \(batch): time waiting on data")
        print(pad("set", 22) + pad("prefetch", 10) + pad("ms/step", 10) + pad("wait ms/step", 14) + pad("wait fraction", 15)
            + "of which first batch")
        for work in workloads {
            for depth in [0, prefetch] {
                let (seconds, wait, firstWait) = try training(work, prefetch: depth, device: device)
                print(pad(work.name, 22) + pad("\(depth)", 10)
                    + pad(String(format: "%7.2f", seconds / Double(steps) * 1e3), 10)
                    + pad(String(format: "%9.3f", wait / Double(steps) * 1e3), 14)
                    + pad(String(format: "%8.2f %%", wait / seconds * 100), 15)
                    + String(format: "%6.2f ms", firstWait * 1e3))
            }
        }
        print("wait fraction = time blocked in nextBatch() / wall time of the steps; it includes each epoch's first")
        print("batch, which no prefetching can hide (the worker starts with the epoch).")
    }

    func loader(_ work: Workload, prefetch: Int) throws -> DataLoader {
        try DataLoader(work.data, batchSize: batch, augmentation: work.augmentation, seed: 0, prefetch: prefetch)
    }

    /// Images per second over one whole epoch whose batches the caller only receives.
    func throughput(_ work: Workload, prefetch: Int, device: Device) throws -> Double {
        let loader = try loader(work, prefetch: prefetch)
        let start = DispatchTime.now().uptimeNanoseconds
        let batches = loader.epoch(0)
        var images = 0
        while let (x, _) = try batches.nextBatch() { images += x.shape[0] }
        try device.synchronize()
        return Double(images) / seconds(since: start)
    }

    /// Wall seconds, seconds spent waiting for data, and the part of that spent on the first batch,
    /// over `steps` training steps (after warm-up).
    func training(_ work: Workload, prefetch: Int, device: Device) throws
        -> (seconds: Double, wait: Double, firstWait: Double)
    {
        // SmallCNN takes its input channels from the normalisation (1 for Fashion-MNIST, 3 for CIFAR).
        let model = try SmallCNN(normalization: work.normalization, device: device, generator: Generator(seed: 0))
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
        let start = DispatchTime.now().uptimeNanoseconds
        var epoch = 1
        while done < steps {  // more than one epoch if --steps asks for it; each epoch's waits count
            let batches = loader.epoch(epoch)
            while done < steps, let (x, y) = try batches.nextBatch() {
                if done == 0 { firstWait = batches.waitSeconds }
                try step(x, y)
                done += 1
            }
            wait += batches.waitSeconds
            epoch += 1
        }
        return (seconds(since: start), wait, firstWait)
    }

    /// 50,000 random 3×32×32 uint8 images with random labels, made in chunks to bound the int64 staging.
    func syntheticCIFAR(device: Device) throws -> TensorDataset {
        let gen = try Generator(seed: 0)
        let chunks = try (0..<10).map { _ in
            try Tensor.randint(0, 256, shape: [5_000, 3, 32, 32], generator: gen).to(dtype: .uint8)
        }
        let images = try Tensor.cat(chunks).to(device: device)
        let labels = try Tensor.randint(0, 10, shape: [50_000], generator: gen).to(device: device)
        return try TensorDataset(images: images, labels: labels, classCount: 10)
    }

    func seconds(since start: UInt64) -> Double {
        Double(DispatchTime.now().uptimeNanoseconds - start) / 1e9
    }

    func pad(_ text: String, _ width: Int) -> String {
        text.padding(toLength: max(width, text.count + 1), withPad: " ", startingAt: 0)
    }
}
