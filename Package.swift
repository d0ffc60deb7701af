// swift-tools-version: 6.0
//
// deat: adversarial training (DEAT, M+ acceleration and baselines) and robustness evaluation,
// in Swift over libtorch. Layers (docs/architecture.md §9); no target imports one above it, and
// every import is a declared dependency (scripts/check-imports.sh):
//
//   CTorch ← Torch ← NN ← Models
//   Storage                                   (Foundation only: atomic files, output directories, fault hook)
//   Storage ← SafeTensors ← NN                (SafeTensors: Foundation only)
//   Storage ← DataFetch                       (Foundation, FoundationNetworking and swift-log only: `deat data fetch`'s
//                                             downloads, resumed and checked; no libtorch)
//   CZlib, CTurboJPEG, CSpng, Storage ← DataFormats
//                                             (Foundation only: IDX, CIFAR, pickle, tar, gzip, JPEG, PNG,
//                                             image folders; no libtorch)
//   Torch, DataFormats ← Datasets             (tensors, loader, augmentation)
//   NN ← Attacks
//   Models, Datasets, Attacks ← Evaluation    (robust accuracy, the eval pipeline)
//   Models, Datasets, Attacks ← Training      (the one loop, methods, M+ rule, run setup)
//   Training, Evaluation ← Reports            (report, charts, checkpoint analysis)
//   Training, Evaluation, Reports ← Benchmarks (bench paper, the PyTorch peer runner, the deat side of every bench)
//   everything but Benchmarks ← DEAT        (the umbrella module: `import DEAT` re-exports the libraries)
//   everything, Yams ← DeatCLI (executable `deat`: parse, call, print; Yams reads `--config` files)
//   SafeTensors, DataFormats, CTurboJPEG, CSpng ← DeatFuzz (executable `deat-fuzz`, no libtorch)
//
// Finding libtorch (the tch-rs ladder, read here as mlx-swift reads SPM_CUDA):
//   LIBTORCH unset            Debian's libtorch-dev 1.13 (CPU) under /usr, C++17.
//   LIBTORCH=/path            a libtorch tree or a PyTorch installation's `torch` folder
//                             (`python -c 'import torch,os;print(os.path.dirname(torch.__file__))'`):
//                             headers from $LIBTORCH/include, libraries from $LIBTORCH/lib.
//   LIBTORCH_CXX_STD=c++20    language standard for the shim; default c++17 for /usr, c++20 for LIBTORCH
//                             (libtorch >= 2.10 headers need C++20, 1.13's break under it).
//   LIBTORCH_CXX11_ABI=0|1    -D_GLIBCXX_USE_CXX11_ABI; default 1 (PyTorch wheels since 2.x and Debian).
//   LIBTORCH_CUDA=1|0         link torch_cuda; default: whenever $LIBTORCH/lib/libtorch_cuda.so exists.
//
// Shipping deat to a machine without Swift (a GPU machine; README "Running on a machine without
// Swift"): DEAT_SHIM_LIB=DIR builds deat against a prebuilt shared shim, DIR/libctorch.so (made by
// scripts/gpu/build-shim.sh from Sources/CTorch), instead of compiling the shim in. deat then links
// no libtorch itself and finds libctorch.so next to its executable ($ORIGIN), so the same binary
// runs on whichever libtorch (CPU or CUDA) the libctorch.so beside it was built against.
import Foundation
import PackageDescription

let env = Context.environment
let customRoot = env["LIBTORCH"].flatMap { $0.isEmpty ? nil : $0 }
// /usr/include is already on the compiler's path; naming it again with -isystem would break
// libstdc++'s #include_next chain ('stdlib.h' file not found).
let includeRoot = customRoot.map { "\($0)/include" }
let includeFlags = (includeRoot.map { ["-isystem", $0] } ?? [])
    + ["-isystem", "\(includeRoot ?? "/usr/include")/torch/csrc/api/include"]
let libDir = customRoot.map { "\($0)/lib" } ?? "/usr/lib/x86_64-linux-gnu"
let cxxStd = env["LIBTORCH_CXX_STD"] ?? (customRoot == nil ? "c++17" : "c++20")
let cxx11ABI = env["LIBTORCH_CXX11_ABI"] ?? "1"
let withCUDA: Bool = {
    if let flag = env["LIBTORCH_CUDA"] { return flag == "1" }
    return FileManager.default.fileExists(atPath: "\(libDir)/libtorch_cuda.so")
}()

var torchLinker: [LinkerSetting] = [
    .unsafeFlags(["-L\(libDir)"]),
    .linkedLibrary("torch_cpu"),
    .linkedLibrary("c10"),
]
if customRoot != nil {
    // RPATH rather than RUNPATH: libtorch's own dependencies (c10, gomp, cudart) are then found
    // through the executable's path too; SwiftPM's plain -rpath becomes RUNPATH, which they do not inherit.
    torchLinker.append(.unsafeFlags(["-Xlinker", "--disable-new-dtags", "-Xlinker", "-rpath", "-Xlinker", libDir]))
}
if withCUDA {
    // --no-as-needed keeps torch_cuda loaded although no symbol of it is referenced: its static
    // initialisers register the CUDA hooks that make `Device.cuda(i)` work.
    torchLinker.append(.unsafeFlags(["-Xlinker", "--no-as-needed", "-Xlinker", "-ltorch_cuda", "-Xlinker", "--as-needed"]))
}

// deat's own oneDNN convolutions (Sources/CTorch/onednn_conv.cpp: Winograd, blocked activations): built where libtorch is Debian's,
// which links the system libdnnl whose headers libdnnl-dev installs; other builds leave them out.
let withOneDNN = customRoot == nil && FileManager.default.fileExists(atPath: "/usr/include/oneapi/dnnl/dnnl.hpp")
if withOneDNN { torchLinker.append(.linkedLibrary("dnnl")) }

let swiftSettings: [SwiftSetting] = [.swiftLanguageMode(.v6)]
let logging: Target.Dependency = .product(name: "Logging", package: "swift-log")

let prebuiltShim = env["DEAT_SHIM_LIB"].flatMap { $0.isEmpty ? nil : $0 }
// The only code that includes libtorch headers; its public header is plain C.
let shimTarget: Target = prebuiltShim == nil
    ? .target(
        name: "CTorch",
        cxxSettings: [
            .unsafeFlags([
                "-std=\(cxxStd)",
                "-D_GLIBCXX_USE_CXX11_ABI=\(cxx11ABI)",
            ] + includeFlags + [
                "-Wno-unused-parameter", "-Wno-deprecated-declarations",
            ]),
        ] + (withCUDA ? [.define("DT_WITH_CUDA")] : []) + (withOneDNN ? [.define("DT_WITH_ONEDNN")] : []),
        linkerSettings: torchLinker)
    : .systemLibrary(name: "CTorch", path: "Sources/CTorchPrebuilt")
let torchLinkerSettings: [LinkerSetting] = prebuiltShim.map {
    [.unsafeFlags(["-L\($0)", "-Xlinker", "-rpath", "-Xlinker", "$ORIGIN"])]
} ?? []

let package = Package(
    name: "deat",
    platforms: [.macOS(.v14)],
    products: [
        .executable(name: "deat", targets: ["DeatCLI"]),
        .executable(name: "deat-fuzz", targets: ["DeatFuzz"]),
        .library(name: "Torch", targets: ["Torch"]),
        .library(name: "NN", targets: ["NN"]),
        .library(name: "Models", targets: ["Models"]),
        .library(name: "Datasets", targets: ["Datasets"]),
        .library(name: "SafeTensors", targets: ["SafeTensors"]),
        .library(name: "Storage", targets: ["Storage"]),
        .library(name: "DataFormats", targets: ["DataFormats"]),
        .library(name: "Attacks", targets: ["Attacks"]),
        .library(name: "Evaluation", targets: ["Evaluation"]),
        .library(name: "Training", targets: ["Training"]),
        .library(name: "Reports", targets: ["Reports"]),
        .library(name: "DataFetch", targets: ["DataFetch"]),
        // Everything above in one import (Sources/DEAT): `import DEAT`.
        .library(name: "DEAT", targets: ["DEAT"]),
    ],
    dependencies: [
        .package(url: "https://github.com/apple/swift-argument-parser", from: "1.5.0"),
        // `swift package generate-documentation` (the DocC catalogs under Sources/*/*.docc; scripts/dev.sh docs).
        .package(url: "https://github.com/swiftlang/swift-docc-plugin", from: "1.5.0"),
        // Diagnostics (`--verbose`): the libraries log, only the CLI bootstraps (docs/architecture.md §9, Diagnostics).
        .package(url: "https://github.com/apple/swift-log", from: "1.16.2"),
        // The PyTorch peers and deat's own bench children (Benchmarks' PeerRunner, ChildProcess).
        .package(url: "https://github.com/swiftlang/swift-subprocess", from: "1.0.2"),
        // FilePath, which swift-subprocess's API takes on Linux (its own dependency, named for the import).
        .package(url: "https://github.com/apple/swift-system", from: "1.8.1"),
        // `--config FILE.yaml` (Sources/DeatCLI/Config, docs/architecture.md §9.5): DeatCLI only.
        .package(url: "https://github.com/jpsim/Yams", from: "5.0.1"),
    ],
    targets: [
        shimTarget,
        .target(name: "Torch", dependencies: ["CTorch"], swiftSettings: swiftSettings, linkerSettings: torchLinkerSettings),
        .systemLibrary(name: "CZlib", path: "Sources/CZlib", providers: [.apt(["zlib1g-dev"])]),
        .systemLibrary(name: "CTurboJPEG", path: "Sources/CTurboJPEG", providers: [.apt(["libturbojpeg0-dev"])]),
        .systemLibrary(name: "CSpng", path: "Sources/CSpng", providers: [.apt(["libspng-dev"])]),
        .target(name: "Storage", swiftSettings: swiftSettings),
        .target(name: "SafeTensors", dependencies: ["Storage"], swiftSettings: swiftSettings),
        .target(name: "DataFetch", dependencies: ["Storage", logging], swiftSettings: swiftSettings),
        .target(name: "NN", dependencies: ["Torch", "SafeTensors", "Storage"], swiftSettings: swiftSettings),
        .target(name: "Models", dependencies: ["Torch", "NN", "SafeTensors"], swiftSettings: swiftSettings),
        .target(name: "DataFormats", dependencies: ["CZlib", "CTurboJPEG", "CSpng", "Storage"], swiftSettings: swiftSettings),
        .target(name: "Datasets", dependencies: ["Torch", "DataFormats"], swiftSettings: swiftSettings),
        .target(name: "Attacks", dependencies: ["Torch", "NN"], swiftSettings: swiftSettings),
        .target(
            name: "Evaluation",
            dependencies: ["Torch", "NN", "Models", "SafeTensors", "Storage", "DataFormats", "Datasets", "Attacks", logging],
            swiftSettings: swiftSettings),
        .target(
            name: "Training",
            dependencies: ["Torch", "NN", "Models", "SafeTensors", "Storage", "DataFormats", "Datasets", "Attacks", logging],
            swiftSettings: swiftSettings),
        .target(
            name: "Reports",
            dependencies: ["Torch", "NN", "Models", "Storage", "DataFormats", "Datasets", "Attacks", "Evaluation", "Training"],
            swiftSettings: swiftSettings),
        .target(
            name: "Benchmarks",
            dependencies: [
                "Torch", "NN", "SafeTensors", "Storage", "Models", "DataFormats", "Datasets", "Attacks", "Evaluation", "Training",
                "Reports", logging, .product(name: "Subprocess", package: "swift-subprocess"),
                .product(name: "SystemPackage", package: "swift-system", condition: .when(platforms: [.linux])),
            ],
            swiftSettings: swiftSettings),
        .target(
            name: "DEAT",
            dependencies: [
                "Torch", "NN", "Models", "SafeTensors", "Storage", "DataFormats", "Datasets", "Attacks", "Evaluation", "Training", "Reports",
                "DataFetch",
            ],
            swiftSettings: swiftSettings),
        .executableTarget(
            name: "DeatCLI",
            dependencies: [
                "Torch", "NN", "Models", "Storage", "SafeTensors", "DataFormats", "Datasets", "Attacks", "Evaluation", "Training",
                "Reports", "Benchmarks", "DataFetch",
                .product(name: "ArgumentParser", package: "swift-argument-parser"), logging,
                .product(name: "Yams", package: "Yams"),
            ],
            swiftSettings: swiftSettings
        ),
        .executableTarget(name: "DeatFuzz", dependencies: ["SafeTensors", "DataFormats", "CTurboJPEG", "CSpng"], swiftSettings: swiftSettings),
        .target(name: "TestSupport", dependencies: ["Torch"], path: "Tests/TestSupport", swiftSettings: swiftSettings),
        .testTarget(
            name: "TorchTests",
            dependencies: ["Torch", "TestSupport"],
            resources: [.copy("Fixtures")],
            swiftSettings: swiftSettings
        ),
        .testTarget(name: "SafeTensorsTests", dependencies: ["SafeTensors"], resources: [.copy("Fixtures")], swiftSettings: swiftSettings),
        .testTarget(name: "NNTests", dependencies: ["Torch", "SafeTensors", "NN", "Models", "TestSupport"], resources: [.copy("Fixtures")], swiftSettings: swiftSettings),
        .testTarget(name: "DataFormatsTests", dependencies: ["DataFormats"], resources: [.copy("Fixtures")], swiftSettings: swiftSettings),
        .testTarget(name: "DatasetsTests", dependencies: ["Datasets", "DataFormats", "Torch", "TestSupport"], resources: [.copy("Fixtures")], swiftSettings: swiftSettings),
        .testTarget(name: "AttacksTests", dependencies: ["Torch", "NN", "Attacks", "Models", "TestSupport"], resources: [.copy("Fixtures")], swiftSettings: swiftSettings),
        .testTarget(name: "EvaluationTests", dependencies: ["Torch", "NN", "DataFormats", "Datasets", "Attacks", "Evaluation", "Models", "TestSupport"], swiftSettings: swiftSettings),
        .testTarget(name: "TrainingTests", dependencies: ["Torch", "NN", "SafeTensors", "Storage", "Training", "Models", "DataFormats", "Datasets", "Attacks", "TestSupport"], resources: [.copy("Fixtures")], swiftSettings: swiftSettings),
        .testTarget(name: "DeatCLITests", dependencies: ["TestSupport"], swiftSettings: swiftSettings),
        .testTarget(name: "DataFetchTests", dependencies: ["DataFetch", "DataFormats", "TestSupport"], swiftSettings: swiftSettings),
        .testTarget(name: "ReportsTests", dependencies: ["Reports", "Training", "Evaluation", "Attacks", "Models", "NN", "Torch", "TestSupport"], swiftSettings: swiftSettings),
        .testTarget(name: "BenchmarksTests", dependencies: ["Torch", "Benchmarks", "Training", "Reports", "TestSupport"], swiftSettings: swiftSettings),
    ]
)
