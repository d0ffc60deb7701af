// Models have exactly the reference PyTorch state_dict: keys, order, shapes, dtypes, parameter counts
// (Fixtures/state_dicts.json, written by scripts/fixtures/gen_nn.py from scripts/bench/models.py).
import Foundation
import Models
import NN
import Testing
import TestSupport
import Torch

struct StateDictFixture: Decodable {
    struct Model: Decodable {
        let parameters: Int
        let keys: [[StringOrShape]]
        let parameter_keys: [String]
    }
    enum StringOrShape: Decodable {
        case text(String), shape([Int])
        init(from decoder: any Decoder) throws {
            let c = try decoder.singleValueContainer()
            if let s = try? c.decode(String.self) { self = .text(s) } else { self = .shape(try c.decode([Int].self)) }
        }
    }
    let models: [String: Model]
}

@Suite("Model structure matches PyTorch")
struct ModelStructureTests {
    let fixture: StateDictFixture

    init() throws {
        let url = try #require(Bundle.module.url(forResource: "state_dicts", withExtension: "json", subdirectory: "Fixtures"))
        fixture = try JSONDecoder().decode(StateDictFixture.self, from: Data(contentsOf: url))
    }

    static let models: [(String, Normalization)] = [
        ("small-cnn", .fashionMNIST), ("preact-resnet18", .cifar10), ("wide-resnet-34-10", .cifar10),
    ]

    @Test("state_dict keys, order, shapes and dtypes equal the reference definition", arguments: 0..<models.count)
    func stateDict(index: Int) throws {
        let (name, normalization) = Self.models[index]
        let reference = try #require(fixture.models[name])
        let model = try ModelKind(name: name).build(normalization: normalization, generator: Generator(seed: 0))
        let ours = model.stateDict()
        #expect(ours.count == reference.keys.count)
        for (entry, expected) in zip(ours, reference.keys) {
            guard case .text(let key) = expected[0], case .shape(let shape) = expected[1], case .text(let dtype) = expected[2] else {
                Issue.record("malformed fixture")
                return
            }
            #expect(entry.name == key)
            #expect(entry.tensor.shape == shape, "\(key)")
            #expect(entry.tensor.dtype.description == dtype, "\(key)")
        }
        #expect(model.namedParameters().map(\.name) == reference.parameter_keys)
        #expect(model.parameterCount == reference.parameters)
    }

    @Test("parameter counts of the paper's models", arguments: [
        ("small-cnn", 93_962), ("preact-resnet18", 11_172_170), ("wide-resnet-34-10", 46_160_474),
    ])
    func counts(name: String, count: Int) throws {
        let normalization: Normalization = name == "small-cnn" ? .fashionMNIST : .cifar10
        #expect(try ModelKind(name: name).build(normalization: normalization).parameterCount == count)
    }

    @Test("model names parse and print back", arguments: ["small-cnn", "preact-resnet18", "wide-resnet-34-10", "wide-resnet-28-4"])
    func names(name: String) throws {
        #expect(try ModelKind(name: name).description == name)
    }

    @Test("unknown model names and impossible depths are clear errors")
    func badNames() throws {
        #expect(throws: ModelError.self) { try ModelKind(name: "resnet51") }
        #expect(throws: ModelError.self) { try WideResNet(depth: 33, widen: 10) }
    }

    @Test("the models map a batch of images in [0, 1] to logits", arguments: 0..<2)
    func forward(index: Int) throws {
        let (name, normalization) = Self.models[index]
        let model = try ModelKind(name: name).build(normalization: normalization, generator: Generator(seed: 1))
        let side = name == "small-cnn" ? 28 : 32
        let x = try Tensor.rand([2, normalization.mean.count, side, side], generator: Generator(seed: 2))
        #expect(try model(x).shape == [2, 10])
    }

    @Test("WideResNet runs forward at a small width with the same code path")
    func wideForward() throws {
        let model = try WideResNet(depth: 10, widen: 1, generator: Generator(seed: 0))
        #expect(try model(Tensor.rand([2, 3, 32, 32])).shape == [2, 10])
    }

    @Test("initialisation is PyTorch's: conv/linear within ±1/√fan_in, BN 1/0, WRN convs N(0, √(2/fan_out))")
    func initialisation() throws {
        let cnn = try SmallCNN(generator: Generator(seed: 3))
        let w = try cnn.conv2.weight.floats()
        let bound = Float(1 / (32.0 * 9).squareRoot())
        #expect(w.allSatisfy { abs($0) <= bound })
        #expect(w.max()! > bound * 0.9 && w.min()! < -bound * 0.9)
        let wrn = try WideResNet(depth: 10, widen: 4, generator: Generator(seed: 3))
        let conv = try wrn.block2.layer.layers[0].stateDict().first { $0.name == "conv1.weight" }!.tensor
        let values = try conv.doubles()
        let std = (values.map { $0 * $0 }.reduce(0, +) / Double(values.count)).squareRoot()
        let expected = (2.0 / Double(conv.shape[0] * 9)).squareRoot()
        #expect(abs(std - expected) / expected < 0.05)
        #expect(try wrn.fc.bias!.floats().allSatisfy { $0 == 0 })
        #expect(try wrn.bn1.weight.floats().allSatisfy { $0 == 1 })
    }

    @Test("the same seed builds the same weights")
    func seeded() throws {
        let a = try PreActResNet18(generator: Generator(seed: 9)).linear.weight.floats()
        let b = try PreActResNet18(generator: Generator(seed: 9)).linear.weight.floats()
        let c = try PreActResNet18(generator: Generator(seed: 10)).linear.weight.floats()
        #expect(a == b && a != c)
    }

    @Test("SmallCNN keeps conv1's and conv2's outputs blocked: logits, input gradient and conv2/conv3/fc gradients equal its NCHW layers bit for bit, conv1's to rounding")
    func smallCNNBlockedForward() throws {
        let model = try SmallCNN(generator: Generator(seed: 4))
        let x = try Tensor.rand([8, 1, 28, 28], generator: Generator(seed: 5))
        func pass(_ forward: (Tensor) throws -> Tensor) throws -> [(name: String, values: [Float])] {
            try model.zeroGrad()
            let input = try x.detached().requiringGrad()
            let logits = try forward(input)
            try F.logSoftmax(logits, dim: 1).sum().backward()
            return try [("logits", logits.floats()), ("input gradient", input.grad!.floats())]
                + model.namedParameters().map { ($0.name, try $0.tensor.grad!.floats()) }
        }
        let before = ActivationLayout.blockedForwards
        let blocked = try pass { try model($0) }
        #expect(ActivationLayout.blockedForwards == before + 3, "the forward pass did not run the blocked convolutions")
        let nchw = try pass { try model.rest(model.firstLayer($0)) }
        #expect(ActivationLayout.blockedForwards == before + 3)
        #expect(blocked.map(\.name) == nchw.map(\.name))
        for (a, b) in zip(blocked, nchw) {
            if a.name.hasPrefix("conv1.") {
                // oneDNN's backward-weights pass for the 1-channel conv1 sums in another order when
                // its output gradient arrives blocked than when libtorch reorders it: same kernel and
                // formats (ONEDNN_VERBOSE), float32 rounding apart.
                let scale = b.values.map { abs($0) }.max() ?? 0
                let worst = zip(a.values, b.values).map { abs($0 - $1) }.max() ?? .infinity
                #expect(worst <= 1e-5 * scale, "\(a.name): \(worst) of \(scale)")
            } else {
                #expect(a.values == b.values, "\(a.name)")
            }
        }
    }
}
