// Autograd: gradients against central finite differences in float64, accumulation semantics,
// input gradients that leave parameter grads alone, Hessian-vector products and no-grad scopes.
import Testing
import TestSupport
import Torch

@Suite("Autograd")
struct AutogradTests {
    /// Scalar functions of a [2, 3] float64 input, covering the ops attacks and models differentiate.
    static let functions: [(String, @Sendable (Tensor) throws -> Tensor)] = [
        ("polynomial", { x in try (x * x * x - x * 2).sum() }),
        ("exp/log/sqrt", { x in try ((x.exp() + 1).log() + (x.squared() + 1).sqrt()).mean() }),
        ("tanh/sigmoid", { x in try (x.tanh() * x.sigmoid()).sum() }),
        ("softmax·weights", { x in try (F.softmax(x, dim: 1) * Tensor.arange(0, 6, dtype: .float64).reshaped([2, 3])).sum() }),
        ("cross-entropy", { x in try F.crossEntropy(x, target: Tensor([2, 0] as [Int64])) }),
        ("KL(batchmean)", { x in
            let p = try F.softmax(Tensor([1, 2, 3, 3, 2, 1] as [Double], shape: [2, 3]), dim: 1)
            return try F.klDiv(F.logSoftmax(x, dim: 1), target: p, reduction: .sum) / 2
        }),
        ("L2 norm", { x in try x.norm(p: 2) }),
        ("max-margin (CW)", { x in
            let onehot = try Tensor([0, 0, 1, 1, 0, 0] as [Double], shape: [2, 3])
            let correct = try (x * onehot).sum(dims: [1])
            let other = try (x - onehot * 1e4).max(dims: [1])
            return try (other - correct).sum()
        }),
        ("conv2d+relu+pool", { x in
            let w = try Tensor([0.5, -1, 0.25, 2] as [Double], shape: [1, 1, 2, 2])
            let y = try F.relu(F.conv2d(x.reshaped([1, 1, 2, 3]), weight: w) + 0.1)
            return try F.avgPool2d(y, kernel: 1).sum()
        }),
        ("linear", { x in
            let w = try Tensor([1, -2, 0.5, 0.3, 0.2, -1] as [Double], shape: [2, 3])
            return try F.linear(x, weight: w, bias: Tensor([0.1, -0.1] as [Double])).squared().sum()
        }),
    ]

    @Test("autograd matches central finite differences", arguments: 0..<functions.count)
    func finiteDifferences(index: Int) throws {
        let (name, f) = Self.functions[index]
        let x = try Tensor([0.3, -1.2, 0.7, 1.5, -0.4, 0.05] as [Double], shape: [2, 3])
        let numerical = try numericalGradient(of: f, at: x)
        let analytic = try autogradGradient(of: f, at: x)
        expectClose(analytic, numerical, rtol: 1e-5, atol: 1e-7, name)
    }

    @Test("backward accumulates into .grad of leaves; zeroGrad forgets it")
    func accumulation() throws {
        let w = try Tensor([1, 2] as [Double]).requiringGrad()
        #expect(try w.grad == nil)
        try (w * w).sum().backward()
        #expect(try w.grad?.doubles() == [2, 4])
        try (w * 3).sum().backward()
        #expect(try w.grad?.doubles() == [5, 7])
        try w.zeroGrad()
        #expect(try w.grad == nil)
    }

    @Test("backward with an explicit gradient for a non-scalar output")
    func vectorJacobian() throws {
        let x = try Tensor([1, 2, 3] as [Double]).requiringGrad()
        try (x * x).backward(gradient: Tensor([1, 0, 2] as [Double]))
        #expect(try x.grad?.doubles() == [2, 0, 12])
        let y = try Tensor([1, 2] as [Double]).requiringGrad()
        #expect(throws: TorchError.self) { try (y * 2).backward() }
    }

    @Test("a second backward through a freed graph fails unless the graph is retained")
    func retainGraph() throws {
        let x = try Tensor([2] as [Double]).requiringGrad()
        let y = try (x.exp() * x).sum()
        try y.backward(retainGraph: true)
        try y.backward()
        expectClose(try x.grad!.doubles(), [2 * 3 * 7.38905609893065])
        let z = try (x.exp() * x).sum()
        try z.backward()
        #expect(throws: TorchError.self) { try z.backward() }
    }

    @Test("grad(of:wrt:) returns the input gradient and leaves parameter grads untouched")
    func inputGradientOnly() throws {
        let w = try Tensor([0.5, -1] as [Double]).requiringGrad()
        let x = try Tensor([2, 3] as [Double]).requiringGrad()
        let loss = try (w * x).sum()
        let gx = try grad(of: loss, wrt: x)
        #expect(try gx.doubles() == [0.5, -1])
        #expect(try w.grad == nil)
        #expect(try x.grad == nil)
        let unused = try Tensor([1] as [Double]).requiringGrad()
        let g = try grad(of: (x * 2).sum(), wrt: [x, unused])
        #expect(try g[1].doubles() == [0])
    }

    @Test("create_graph gives Hessian-vector products: f = Σx³ has H·v = 6·x·v")
    func hessianVector() throws {
        let x = try Tensor([1, -2, 0.5] as [Double]).requiringGrad()
        let v = try Tensor([1, 1, 2] as [Double])
        let g = try grad(of: x.pow(3).sum(), wrt: x, createGraph: true)
        #expect(g.requiresGrad)
        let hv = try grad(of: (g * v).sum(), wrt: x)
        expectClose(try hv.doubles(), [6, -12, 6])
    }

    @Test("no-grad scopes stop recording and restore the previous mode")
    func noGrad() throws {
        let w = try Tensor([1] as [Double]).requiringGrad()
        #expect(isGradEnabled)
        let y = try withNoGrad { try w * 2 }
        #expect(!y.requiresGrad)
        #expect(isGradEnabled)
        try withNoGrad {
            #expect(!isGradEnabled)
            let z = try withGrad { try w * 2 }
            #expect(z.requiresGrad)
            #expect(!isGradEnabled)
        }
        struct Boom: Error {}
        #expect(throws: Boom.self) { try withNoGrad { throw Boom() } }
        #expect(isGradEnabled)
    }

    @Test("in-place updates of a leaf: an error while recording, allowed under no-grad (an SGD step)")
    func leafUpdate() throws {
        let w = try Tensor([1, 2] as [Double]).requiringGrad()
        try (w * w).sum().backward()
        #expect(throws: TorchError.self) { try w.addInPlace(1) }
        try withNoGrad { try w.addInPlace(w.grad!, alpha: -0.1) }
        expectClose(try w.doubles(), [0.8, 1.6])
        #expect(w.requiresGrad && w.isLeaf)
        #expect(throws: TorchError.self) { try (w * 2).requiringGrad(false) }
    }
}
