// Support.swift: small models and checks shared by the attack tests.
import Attacks
import Foundation
import NN
import Testing
import TestSupport
import Torch

/// The attack oracle written by scripts/fixtures/gen_attacks.py.
func attackFixtures() throws -> FixtureFile {
    let url = try #require(Bundle.module.url(forResource: "attacks", withExtension: "json", subdirectory: "Fixtures"))
    return try FixtureFile(contentsOf: url)
}

/// z = W·flatten(x) + b with the given weights (the fixture's linear model).
func linearModel(weight: Tensor, bias: Tensor) throws -> Sequential {
    let linear = try Linear(weight.shape[1], weight.shape[0])
    try withNoGrad {
        try linear.weight.copy(from: weight)
        try linear.bias!.copy(from: bias)
    }
    return Sequential([Flatten(), linear])
}

/// A tiny conv net with BatchNorm, so that mode handling and running statistics are observable.
func tinyConvNet(seed: UInt64 = 0, classes: Int = 10) throws -> Sequential {
    let g = try Generator(seed: seed)
    return Sequential([
        try Conv2d(1, 4, kernelSize: 3, stride: 2, padding: 1, generator: g),
        try BatchNorm2d(4),
        ReLU(),
        Flatten(),
        try Linear(4 * 4 * 4, classes, generator: g),
    ])
}

/// Random images in [0, 1] with some pixels exactly on the faces 0 and 1.
func boxImages(_ n: Int, side: Int = 8, seed: UInt64 = 1) throws -> Tensor {
    let x = try Tensor.rand([n, 1, side, side], generator: Generator(seed: seed))
    let rounded = try x.gt(0.9).logicalOr(x.lt(0.1))
    return try Tensor.where(rounded, x.rounded(), x)
}

/// Predictions as labels, so every point starts correctly classified.
func predictedLabels(_ model: any Layer, _ x: Tensor) throws -> Tensor {
    try model.withMode(.eval) { try withNoGrad { try model(x).argmax(dim: 1) } }
}

/// Every row of `adversarial` lies in the ε-ball around `clean` (up to float32 rounding) and in [0, 1].
func expectAdmissible(
    _ adversarial: Tensor, _ clean: Tensor, norm: ThreatNorm = .linf, epsilon: Double, _ what: String = "",
    sourceLocation: SourceLocation = #_sourceLocation
) throws {
    let ok = try admissible(adversarial, clean: clean, norm: norm, epsilon: epsilon)
    let bad = try ok.logicalNot().sum().item()
    #expect(bad == 0, "\(what): \(Int(bad)) of \(ok.count) rows leave the ε-ball ∩ [0, 1]", sourceLocation: sourceLocation)
}

/// Parameter `.grad` fields are all nil (never accumulated).
func expectNoParameterGrads(_ model: any Module, sourceLocation: SourceLocation = #_sourceLocation) throws {
    for (name, p) in model.namedParameters() {
        #expect(try p.grad == nil, "\(name).grad was written", sourceLocation: sourceLocation)
    }
}
