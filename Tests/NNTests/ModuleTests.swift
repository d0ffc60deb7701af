// Module mechanics: train/eval propagation, BatchNorm's state, layers' hand-checked outputs.
import Models
import NN
import Testing
import TestSupport
import Torch

@Suite("Modules and layers")
struct ModuleTests {
    @Test("train() and eval() reach every descendant")
    func modePropagation() throws {
        let model = try PreActResNet18(generator: Generator(seed: 0))
        func modes(_ m: any Module) -> [Bool] { [m.training] + m.children.flatMap { modes($0.module) } }
        model.eval()
        #expect(modes(model).allSatisfy { !$0 })
        model.train()
        #expect(modes(model).allSatisfy { $0 })
        #expect(modes(model).count > 30)
    }

    @Test("BatchNorm2d updates running statistics and num_batches_tracked only in train mode")
    func batchNormState() throws {
        let bn = try BatchNorm2d(2, momentum: 0.5)
        let x = try Tensor([1, 3, 10, 20] as [Float], shape: [2, 2, 1, 1])  // channel 0: 1, 10; channel 1: 3, 20
        _ = try bn(x)
        expectClose(try bn.runningMean.doubles(), [2.75, 5.75])  // 0.5·0 + 0.5·mean
        expectClose(try bn.runningVar.doubles(), [0.5 + 0.5 * 40.5, 0.5 + 0.5 * 144.5])  // unbiased batch variance
        #expect(try bn.numBatchesTracked.item() == 1)
        bn.eval()
        let y = try bn(x)
        #expect(try bn.numBatchesTracked.item() == 1)
        expectClose(try bn.runningMean.doubles(), [2.75, 5.75])
        expectClose(try y.doubles(), [(1 - 2.75) / (20.75 + 1e-5).squareRoot(), (3 - 5.75) / (72.75 + 1e-5).squareRoot(),
                                       (10 - 2.75) / (20.75 + 1e-5).squareRoot(), (20 - 5.75) / (72.75 + 1e-5).squareRoot()])
        #expect(bn.stateDict().map(\.name) == ["weight", "bias", "running_mean", "running_var", "num_batches_tracked"])
        #expect(bn.namedParameters().map(\.name) == ["weight", "bias"])
    }

    @Test("Sequential names children 0, 1, … and applies them in order")
    func sequential() throws {
        let seq = Sequential([try Linear(2, 3, generator: Generator(seed: 0)), ReLU(), try Linear(3, 1, generator: Generator(seed: 1))])
        #expect(seq.stateDict().map(\.name) == ["0.weight", "0.bias", "2.weight", "2.bias"])
        let x = try Tensor([1, -1] as [Float], shape: [1, 2])
        let first = seq.layers[0] as! Linear, last = seq.layers[2] as! Linear
        let manual = try F.linear(F.relu(F.linear(x, weight: first.weight, bias: first.bias)), weight: last.weight, bias: last.bias)
        #expect(try seq(x).floats() == manual.floats())
    }

    @Test("Normalize subtracts the mean and divides by the std per channel")
    func normalize() throws {
        let layer = try Normalize(mean: [0.5, 0.25], std: [0.5, 0.25])
        let x = try Tensor([1, 0, 0.5, 0.75] as [Float], shape: [1, 2, 1, 2])
        #expect(try layer(x).floats() == [1, -1, 1, 2])
        #expect(layer.stateDict().isEmpty)
        #expect(throws: NNError.self) { try Normalize(mean: [0.5], std: [0]) }
    }

    @Test("Flatten keeps the batch dimension and flattens the rest")
    func flatten() throws {
        let x = try Tensor.arange(0, 16, dtype: .float32).reshaped([1, 1, 4, 4]) - 8
        #expect(try Flatten()(x).shape == [1, 16])
    }

    @Test("invalid layer sizes are errors")
    func invalidLayers() {
        #expect(throws: NNError.self) { try Conv2d(3, 4, kernelSize: 0) }
        #expect(throws: NNError.self) { try Conv2d(3, 4, kernelSize: 3, groups: 2) }
        #expect(throws: NNError.self) { try Linear(0, 4) }
        #expect(throws: NNError.self) { try BatchNorm2d(0) }
    }
}
