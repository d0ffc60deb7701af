// Losses.swift: the outer losses of TRADES and MART exactly as their reference code computes them
// (docs/methods.md §2; checked against PyTorch in Tests/TrainingTests).
import Torch

/// The outer losses of TRADES and MART exactly as their reference code computes them.
public enum TrainingLoss {
    /// Σ_i Σ_c q_ic (log q_ic − log p_ic) with p = softmax(adversarial), q = softmax(natural):
    /// `nn.KLDivLoss(size_average=False)(log_softmax(adv), softmax(nat))`. Gradient flows through both.
    public static func klSum(adversarialLogits: Tensor, naturalLogits: Tensor) throws -> Tensor {
        try F.klDiv(F.logSoftmax(adversarialLogits, dim: 1), target: F.softmax(naturalLogits, dim: 1), reduction: .sum)
    }

    /// TRADES: CE(f(x), y) + β · KL_sum / B, the CE term smoothed by `labelSmoothing` (§2.9).
    public static func trades(
        naturalLogits: Tensor, adversarialLogits: Tensor, labels: Tensor, beta: Double, labelSmoothing: Double = 0
    ) throws -> Tensor {
        let batch = Double(labels.shape[0])
        let robust = try klSum(adversarialLogits: adversarialLogits, naturalLogits: naturalLogits) / batch
        return try F.crossEntropy(naturalLogits, target: labels, labelSmoothing: labelSmoothing) + robust * beta
    }

    /// MART: CE(f(x′), y) + mean_i[−log(1.0001 − p_iŷ + 1e−12)]
    ///       + β · (1/B) Σ_i KL_i(q ‖ p) · (1.0000001 − q_iy),
    /// where ŷ is the most probable wrong class under p = softmax(f(x′)) and q = softmax(f(x)).
    /// `labelSmoothing` smooths the first CE term only (docs/methods.md §2.9).
    public static func mart(
        naturalLogits: Tensor, adversarialLogits: Tensor, labels: Tensor, beta: Double, labelSmoothing: Double = 0
    ) throws -> Tensor {
        let batch = Double(labels.shape[0])
        let adversarialProbabilities = try F.softmax(adversarialLogits, dim: 1)
        let top2 = try adversarialProbabilities.topk(2, dim: 1).indices
        let first = try top2.select(dim: 1, index: 0), second = try top2.select(dim: 1, index: 1)
        let wrongClass = try Tensor.where(first.eq(labels), second, first)
        let boosted = try F.crossEntropy(adversarialLogits, target: labels, labelSmoothing: labelSmoothing)
            + F.nllLoss((1.0001 - adversarialProbabilities + 1e-12).log(), target: wrongClass)
        let naturalProbabilities = try F.softmax(naturalLogits, dim: 1)
        let trueProbability = try naturalProbabilities.gather(dim: 1, indices: labels.unsqueezed(dim: 1)).squeezed(dim: 1)
        let perExampleKL = try F.klDiv((adversarialProbabilities + 1e-12).log(), target: naturalProbabilities, reduction: .none)
            .sum(dims: [1])
        let robust = try (perExampleKL * (1.0000001 - trueProbability)).sum() / batch
        return try boosted + robust * beta
    }
}
