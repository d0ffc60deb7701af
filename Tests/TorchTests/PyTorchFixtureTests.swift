// deat vs PyTorch on the same inputs: Fixtures/ops.json is written by scripts/fixtures/gen_torch_ops.py.
import Foundation
import Testing
import TestSupport
import Torch

@Suite("Matches PyTorch")
struct PyTorchFixtureTests {
    let fixtures: FixtureFile

    init() throws {
        let url = try #require(Bundle.module.url(forResource: "ops", withExtension: "json", subdirectory: "Fixtures"))
        fixtures = try FixtureFile(contentsOf: url)
    }

    func expectMatches(_ actual: Tensor, _ fixture: FixtureCase, _ name: String, rtol: Double = 1e-5, atol: Double = 1e-6) throws {
        let expected = try fixture.output(name)
        try expectClose(actual, expected.values, shape: expected.shape, rtol: rtol, atol: atol, name)
    }

    @Test("conv2d forward and its input, weight and bias gradients")
    func conv2d() throws {
        let c = try fixtures.named("conv2d")
        let x = try c.input("x").requiringGrad(), w = try c.input("w").requiringGrad(), b = try c.input("b").requiringGrad()
        let y = try F.conv2d(x, weight: w, bias: b, stride: 2, padding: 1)
        try expectMatches(y, c, "y")
        let g = try grad(of: (y * c.input("gy")).sum(), wrt: [x, w, b])
        try expectMatches(g[0], c, "gx", atol: 1e-5)
        try expectMatches(g[1], c, "gw", atol: 1e-5)
        try expectMatches(g[2], c, "gb", atol: 1e-5)
    }

    @Test("batch norm in training (with running-stat updates) and in eval")
    func batchNorm() throws {
        let c = try fixtures.named("batch_norm")
        let mean = try c.input("running_mean"), variance = try c.input("running_var")
        let x = try c.input("x"), weight = try c.input("weight"), bias = try c.input("bias")
        let evalOut = try F.batchNorm(x, weight: weight, bias: bias, runningMean: mean, runningVar: variance, training: false)
        try expectMatches(evalOut, c, "y_eval")
        let trainOut = try F.batchNorm(x, weight: weight, bias: bias, runningMean: mean, runningVar: variance, training: true)
        try expectMatches(trainOut, c, "y_train")
        try expectMatches(mean, c, "running_mean")
        try expectMatches(variance, c, "running_var")
    }

    @Test("linear, pooling and matmul")
    func layers() throws {
        let l = try fixtures.named("linear")
        try expectMatches(F.linear(l.input("x"), weight: l.input("w"), bias: l.input("b")), l, "y")
        let p = try fixtures.named("pooling")
        let x = try p.input("x")
        try expectMatches(F.maxPool2d(x, kernel: 2, stride: 2), p, "max_k2_s2")
        try expectMatches(F.avgPool2d(x, kernel: 3, stride: 2, padding: 1), p, "avg_k3_s2_p1")
        try expectMatches(F.adaptiveAvgPool2d(x, outputSize: (1, 1)), p, "adaptive_1")
        try expectMatches(F.adaptiveAvgPool2d(x, outputSize: (2, 2)), p, "adaptive_2")
        let m = try fixtures.named("matmul")
        try expectMatches(m.input("a").matmul(m.input("m")), m, "y")
    }

    @Test("softmax, cross-entropy (all reductions, label smoothing), NLL, KL and logsumexp")
    func losses() throws {
        let c = try fixtures.named("losses")
        let logits = try c.input("logits"), target = try c.input("target"), p = try c.input("p")
        try expectMatches(F.softmax(logits, dim: 1), c, "softmax")
        try expectMatches(F.logSoftmax(logits, dim: 1), c, "log_softmax")
        try expectMatches(F.crossEntropy(logits, target: target), c, "ce_mean")
        try expectMatches(F.crossEntropy(logits, target: target, reduction: .none), c, "ce_none")
        try expectMatches(F.crossEntropy(logits, target: target, reduction: .sum), c, "ce_sum")
        try expectMatches(F.crossEntropy(logits, target: target, labelSmoothing: 0.1), c, "ce_smooth")
        try expectMatches(F.nllLoss(F.logSoftmax(logits, dim: 1), target: target), c, "nll_mean")
        try expectMatches(F.klDiv(F.logSoftmax(logits, dim: 1), target: p, reduction: .sum), c, "kl_sum")
        try expectMatches(F.klDiv(F.logSoftmax(logits, dim: 1), target: p, reduction: .none), c, "kl_none")
        try expectMatches(logits.logSumExp(dims: [1]), c, "logsumexp")
    }

    @Test("topk, sort, norms, sums, extrema")
    func reductions() throws {
        let c = try fixtures.named("reductions")
        let x = try c.input("x")
        let top = try x.topk(3, dim: 1)
        try expectMatches(top.values, c, "topk_values")
        try expectMatches(top.indices, c, "topk_indices")
        let sorted = try x.sorted(dim: 1, descending: true)
        try expectMatches(sorted.values, c, "sort_values")
        try expectMatches(sorted.indices, c, "sort_indices")
        try expectMatches(x.norm(p: 2, dims: [1]), c, "norm2_dim1")
        try expectMatches(x.norm(p: 1), c, "norm1_all")
        try expectMatches(x.norm(p: .infinity, dims: [1]), c, "norminf_dim1")
        try expectMatches(x.sum(dims: [0]), c, "sum_dim0")
        try expectMatches(x.mean(), c, "mean_all")
        try expectMatches(x.max(dims: [1]), c, "amax_dim1")
        try expectMatches(x.argmax(dim: 1), c, "argmax_dim1")
    }

    @Test("gather, scatter and one-hot")
    func gatherScatter() throws {
        let c = try fixtures.named("gather_scatter")
        let x = try c.input("x"), idx = try c.input("idx")
        try expectMatches(x.gather(dim: 1, indices: idx), c, "gather")
        try expectMatches(x.scattered(dim: 1, indices: idx, value: 7.0), c, "scatter_value")
        try expectMatches(Tensor([2, 0, 1] as [Int64]).oneHot(classes: 4), c, "one_hot")
    }

    @Test("the input gradient of a cross-entropy loss, as an attack takes it")
    func inputGradient() throws {
        let c = try fixtures.named("input_grad")
        let x = try c.input("x").requiringGrad()
        let loss = try F.crossEntropy(F.linear(x, weight: c.input("w")), target: c.input("target"))
        try expectMatches(loss, c, "loss")
        try expectMatches(grad(of: loss, wrt: x), c, "gx")
    }

    @Test("a Hessian-vector product through create_graph")
    func hessianVector() throws {
        let c = try fixtures.named("hvp")
        let x = try c.input("x").requiringGrad(), w = try c.input("w"), v = try c.input("v")
        let f = try w.matmul(x).tanh().pow(2).sum()
        try expectMatches(f, c, "f")
        let g = try grad(of: f, wrt: x, createGraph: true)
        try expectMatches(g, c, "g")
        try expectMatches(grad(of: (g * v).sum(), wrt: x), c, "hv")
    }

    @Test("a generator seeded like torch.Generator().manual_seed(7) draws PyTorch's numbers")
    func generator() throws {
        let c = try fixtures.named("generator")
        let gen = try Generator(seed: 7)
        try expectMatches(Tensor.rand([6], generator: gen), c, "rand")
        try expectMatches(Tensor.randn([6], generator: gen), c, "randn")
        try expectMatches(Tensor.randperm(10, generator: gen), c, "randperm")
    }
}
