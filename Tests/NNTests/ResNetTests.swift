// ResNet-18/50 without Python: torchvision's parameter counts, the CLI names, any input side and
// channel count (the ImageNet stem on 28×28 grey images), the same logits in channels-last layout,
// bf16 autocast close to float32, and a few SGD steps that lower the loss of a repeated batch.
// The torchvision comparisons are in ResNetInteropTests.swift.
import Models
import NN
import Testing
import TestSupport
import Torch

@Suite("ResNet-18/50 as torchvision's")
struct ResNetTests {
    static let imageNet = Normalization(mean: [0.485, 0.456, 0.406], std: [0.229, 0.224, 0.225])

    @Test("parameter counts at 1000 classes are torchvision's", arguments: [("resnet18", 11_689_512), ("resnet50", 25_557_032)])
    func counts(name: String, count: Int) throws {
        let model = try ModelKind(name: name).build(classes: 1000, normalization: Self.imageNet)
        #expect(model.parameterCount == count)
        #expect(model.stateDict().count == (name == "resnet18" ? 122 : 320))
    }

    @Test("names parse, with or without the dash", arguments: [("resnet18", ModelKind.resNet18), ("resnet-18", .resNet18), ("ResNet50", .resNet50), ("resnet-50", .resNet50)])
    func names(name: String, kind: ModelKind) throws {
        #expect(try ModelKind(name: name) == kind)
        #expect(try ModelKind(name: kind.description) == kind)
        #expect(kind.requiredImageSide == nil)
    }

    @Test("grey 28×28 images run through the ImageNet stem: one input channel, any side", arguments: ["resnet18", "resnet50"])
    func greyMNISTSized(name: String) throws {
        let mnist = Normalization(mean: [0.1307], std: [0.3081])
        let model = try ModelKind(name: name).build(classes: 10, normalization: mnist, generator: Generator(seed: 1))
        #expect(model.stateDict().first { $0.name == "conv1.weight" }?.tensor.shape == [64, 1, 7, 7])
        model.eval()
        for side in [28, 20] {  // 28 → 14 → 7 → 7 → 4 → 2 → 1; 20 → 10 → 5 → 5 → 3 → 2 → 1
            let logits = try withNoGrad { try model(Tensor.rand([2, 1, side, side], generator: Generator(seed: 2))) }
            #expect(logits.shape == [2, 10])
            #expect(try logits.isFinite().all().item() != 0)
        }
    }

    @Test("init as torchvision: convs N(0, √(2/fan_out)), every BatchNorm 1/0 (no zero-init residual), fc as nn.Linear")
    func initialisation() throws {
        let model = try ModelKind.resNet50.build(classes: 10, normalization: Self.imageNet, generator: Generator(seed: 9))
        var convolutions = 0
        for (name, tensor) in model.namedParameters() {
            if tensor.rank == 4 {
                convolutions += 1
                let expected = (2 / Double(tensor.shape[0] * tensor.shape[2] * tensor.shape[3])).squareRoot()
                let std = try (tensor * tensor).mean().item().squareRoot()
                #expect(abs(std / expected - 1) < 0.05, "\(name): std \(std), expected \(expected)")
            } else if name.hasPrefix("fc.") {
                let bound = 1 / 2048.0.squareRoot()  // nn.Linear: U(±1/√fan_in) for weight and bias
                #expect(try tensor.abs().max().item() <= bound, "\(name) outside U(±1/√2048)")
                #expect(try tensor.abs().mean().item() > bound / 4, "\(name) is not a U(±1/√2048) draw")
            } else {
                let value: Double = name.hasSuffix(".weight") ? 1 : 0
                #expect(try (tensor - value).abs().max().item() == 0, "\(name) is not all \(value)")
            }
        }
        #expect(convolutions == 53)
    }

    /// A 5-class model in eval mode, a 2×3×32×32 batch and its float32 NCHW logits.
    static func evalLogits(_ name: String) throws -> (model: any Layer, x: Tensor, logits: Tensor) {
        let model = try ModelKind(name: name).build(classes: 5, normalization: imageNet, generator: Generator(seed: 3))
        model.eval()
        let x = try Tensor.rand([2, 3, 32, 32], generator: Generator(seed: 4))
        return (model, x, try withNoGrad { try model(x) })
    }

    @Test("channels-last weights and input give the default layout's logits", arguments: ["resnet18", "resnet50"])
    func channelsLast(name: String) throws {
        let (model, x, reference) = try Self.evalLogits(name)
        try model.convert(to: .channelsLast)
        #expect(model.stateDict().first { $0.name == "layer1.0.conv1.weight" }?.tensor.isChannelsLast == true)
        let nhwc = try withNoGrad { try model(x.to(memoryFormat: .channelsLast)) }
        #expect(try (nhwc - reference).abs().max().item() < 1e-4)
    }

    @Test("bf16 autocast: logits close to float32's, float32 gradients", arguments: ["resnet18", "resnet50"])
    func autocast(name: String) throws {
        let (model, x, reference) = try Self.evalLogits(name)
        let mixed = try Autocast.run(on: .cpu, dtype: .bfloat16) { try model(x) }
        #expect(mixed.dtype == .bfloat16, "autocast was not active")
        let scale = try reference.abs().max().item()
        let worst = try (mixed.to(dtype: .float32) - reference).abs().max().item()
        #expect(worst < 0.05 * max(scale, 1), "largest logit difference \(worst) at scale \(scale)")
        try mixed.to(dtype: .float32).sum().backward()
        let weight = try #require(model.namedParameters().first { $0.name == "conv1.weight" }?.tensor)
        let gradient = try #require(try weight.grad)
        #expect(gradient.dtype == .float32)
        #expect(try gradient.isFinite().all().item() != 0)
    }

    @Test("SGD steps of ResNet-18 at 32×32 in train mode lower the loss of a repeated batch")
    func trainSteps() throws {
        let model = try ModelKind.resNet18.build(classes: 5, normalization: Self.imageNet, generator: Generator(seed: 5))
        model.train()
        let gen = try Generator(seed: 6)
        let x = try Tensor.rand([8, 3, 32, 32], generator: gen)
        let y = try Tensor.randint(0, 5, shape: [8], generator: gen)
        let sgd = try SGD(parameters: model.parameters(), learningRate: 0.01, momentum: 0.9)
        var losses: [Double] = []
        for _ in 0..<5 {
            try sgd.zeroGrad()
            let loss = try F.crossEntropy(model(x), target: y)
            try loss.backward()
            try sgd.step()
            losses.append(try loss.item())
        }
        let finite = losses.allSatisfy(\.isFinite)
        #expect(finite, "losses \(losses)")
        #expect(losses.last! < losses.first!, "losses \(losses)")
        #expect(try model.parameters().allSatisfy { try $0.isFinite().all().item() != 0 })
    }
}
