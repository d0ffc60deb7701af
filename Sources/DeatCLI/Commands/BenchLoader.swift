// BenchLoader.swift: `deat bench loader`, the data pipeline's own benchmark (Benchmarks.LoaderBenchmark):
// loader throughput in images/s over one epoch with and without a background worker, and the share
// of a SmallCNN training step spent waiting on data. deat-only: there is no PyTorch peer.
//
//   deat bench loader                          # both sets, 100 training steps each
//   deat bench loader --threads 2 --steps 200
import ArgumentParser
import Benchmarks
import DataFormats
import Foundation
import Torch

struct BenchLoader: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "loader",
        abstract: "Data loader throughput and the share of a SmallCNN training step spent waiting on data.",
        discussion: "Fashion-MNIST's rows are skipped when --data-dir does not have it; the synthetic CIFAR set needs no files.")

    @OptionGroup var runtime: RuntimeOptions
    @OptionGroup var data: FashionMNISTOption
    @Option(help: "Minibatch size.") var batch: Int = 128
    @Option(help: "Timed training steps per configuration (after 5 warm-up steps).") var steps: Int = 100
    @Option(help: "Batches the worker prepares ahead in the background rows.") var prefetch: Int = 2
    @Option(help: "Instead: an image folder (DIR/train/<class>/*.jpg): decode + RandomResizedCrop(224) + flip, images/s, against torchvision's ImageFolder + DataLoader (scripts/bench/folder_loader.py).") var folder: String?
    @Option(help: "With --folder: write this many 500×375 JPEGs into DIR/train first (with PIL), if not there yet.") var makeImages: Int = 0
    @Option(help: "With --folder: decoding threads (deat) and DataLoader worker processes (torchvision) (default: the cores).") var workers: Int?
    @Option(help: "Python interpreter for the torchvision peer.") var python: String = PeerRunner.defaultPython
    @Option(help: "Directory of the PyTorch peer scripts.") var peers: String = PeerRunner.defaultDirectory

    func validate() throws {
        guard batch >= 1, steps >= 1 else { throw ValidationError("--batch and --steps must be at least 1") }
        guard prefetch >= 1 else { throw ValidationError("--prefetch must be at least 1 (0 is always measured)") }
    }

    func run() throws {
        let device = try runtime.apply()
        let bench = LoaderBenchmark(batch: batch, steps: steps, seed: runtime.seed, device: device)
        if let folder { return try runFolder(folder, bench: bench) }
        let sets = try bench.workloads(fashionMNIST: URL(fileURLWithPath: data.directory))
        if sets.fashionMNIST == nil {
            print("note: no Fashion-MNIST in \(data.directory); its rows are skipped (install dataset-fashion-mnist)")
        }
        let workloads = [sets.fashionMNIST].compactMap { $0 } + sets.synthetic

        print("Loader throughput, one epoch, batch \(batch), \(runtime.threads) thread(s), \(device), \(Runtime.libtorchVersion)")
        print(pad("set", 22) + pad("augmentation", 50) + pad("batches", 9) + pad("prefetch 0", 19) + "prefetch \(prefetch)")
        for work in workloads {
            let sync = try bench.throughput(work, prefetch: 0)
            let background = try bench.throughput(work, prefetch: prefetch)
            let batches = try bench.loader(work, prefetch: 0).batchesPerEpoch
            print(pad(work.name, 22) + pad("\(work.augmentation)", 50) + pad("\(batches)", 9)
                + pad(String(format: "%9.0f img/s", sync), 19) + String(format: "%9.0f img/s", background))
        }

        print("\nSmallCNN training (SGD, momentum 0.9), \(steps) steps of batch \(batch): time waiting on data")
        print(pad("set", 22) + pad("augmentation", 50) + pad("prefetch", 10) + pad("ms/step", 10) + pad("wait ms/step", 14) + pad("wait fraction", 15)
            + "of which first batch")
        for work in workloads {
            for depth in [0, prefetch] {
                let t = try bench.training(work, prefetch: depth)
                print(pad(work.name, 22) + pad(work.augmentation == .none ? "" : "\(work.augmentation)", 50) + pad("\(depth)", 10)
                    + pad(String(format: "%7.2f", t.seconds / Double(steps) * 1e3), 10)
                    + pad(String(format: "%9.3f", t.wait / Double(steps) * 1e3), 14)
                    + pad(String(format: "%8.2f %%", t.wait / t.seconds * 100), 15)
                    + String(format: "%6.2f ms", t.firstWait * 1e3))
            }
        }
        print("wait fraction = time blocked in nextBatch() / wall time of the steps; it includes each epoch's first")
        print("batch, which no prefetching can hide (the worker starts with the epoch).")
    }

    /// deat's FolderLoader and torchvision's DataLoader on the same folder, one epoch each, deat first.
    func runFolder(_ folder: String, bench: LoaderBenchmark) throws {
        let workers = self.workers ?? ProcessInfo.processInfo.activeProcessorCount
        let peer = PeerRunner(python: python, directory: peers, threads: runtime.threads)
        let arguments = ["--folder", folder, "--workers", String(workers), "--batch", String(batch)]
        if makeImages > 0 { _ = try peer.run("folder_loader.py", arguments + ["--make", String(makeImages)]) }  // also warms the page cache
        let deat = try bench.folderThroughput(URL(fileURLWithPath: folder), workers: workers)
        let torchvision = try peer.run("folder_loader.py", arguments)
        let peerRate = try torchvision.double("images_per_second")
        print("Image-folder loading, one epoch of \(deat.images) images, decode + RandomResizedCrop(224) + flip, batch \(batch), \(workers) worker(s)")
        print(pad("deat FolderLoader (threads)", 46) + String(format: "%9.0f img/s", deat.perSecond))
        print(pad("torchvision ImageFolder + DataLoader (processes)", 46) + String(format: "%9.0f img/s", peerRate))
        print(String(format: "deat / torchvision: %.2f×", deat.perSecond / peerRate))
    }

    func pad(_ text: String, _ width: Int) -> String {
        text.padding(toLength: max(width, text.count + 1), withPad: " ", startingAt: 0)
    }
}
