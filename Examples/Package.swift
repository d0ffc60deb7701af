// swift-tools-version: 6.0
//
// deat's examples: a separate package that depends on deat by path, as a user's package would by
// URL, and imports its products. Each example is one short file to copy (README "Use deat from
// Swift"). CI builds and runs them (scripts/dev.sh test).
//
//   swift run --package-path Examples train-mplus-deat 10          # M+DEAT on Fashion-MNIST, 10 epochs
//   swift run --package-path Examples evaluate-autoattack runs/example-mplus-deat/best.safetensors 1000
//   swift run --package-path Examples custom-method 5              # a new method under the M+ rule
import PackageDescription

let deat: Target.Dependency = .product(name: "DEAT", package: "deat")

let package = Package(
    name: "deat-examples",
    platforms: [.macOS(.v14)],
    dependencies: [.package(name: "deat", path: "..")],
    targets: [
        .executableTarget(name: "train-mplus-deat", dependencies: [deat], path: "TrainMPlusDEAT"),
        .executableTarget(name: "evaluate-autoattack", dependencies: [deat], path: "EvaluateAutoAttack"),
        .executableTarget(name: "custom-method", dependencies: [deat], path: "CustomMethod"),
    ]
)
