// Initialization.swift: PyTorch's default initialisers, drawn from a deat Generator so that a seed
// fixes every weight.
import Torch

/// Weight and bias draws as `nn.Conv2d`/`nn.Linear.reset_parameters()` make them.
public enum Init {
    /// kaiming_uniform_(a=√5): U(−b, b) with b = gain·√(3/fan_in), gain = √(2/(1+a²)) = √(1/3),
    /// which simplifies to b = 1/√fan_in.
    public static func kaimingUniformDefault(
        _ shape: [Int], fanIn: Int, device: Device = .cpu, generator: Generator? = nil
    ) throws -> Tensor {
        let bound = 1 / Double(fanIn).squareRoot()
        return try Tensor.uniform(shape, low: -bound, high: bound, device: device, generator: generator)
    }

    /// The bias of a conv/linear layer: U(−1/√fan_in, 1/√fan_in).
    public static func biasUniform(_ count: Int, fanIn: Int, device: Device = .cpu, generator: Generator? = nil) throws
        -> Tensor
    {
        let bound = fanIn > 0 ? 1 / Double(fanIn).squareRoot() : 0
        return try Tensor.uniform([count], low: -bound, high: bound, device: device, generator: generator)
    }

    /// N(0, √(2/fan_out)) with fan_out = k²·out_channels: the WideResNet init of TRADES/MART/DEAT
    /// (`m.weight.data.normal_(0, math.sqrt(2. / n))`, n = k·k·out).
    public static func kaimingNormalFanOut(
        _ shape: [Int], fanOut: Int, device: Device = .cpu, generator: Generator? = nil
    ) throws -> Tensor {
        try Tensor.randn(shape, device: device, generator: generator) * (2 / Double(fanOut)).squareRoot()
    }

    /// Redraws every convolution weight (every rank-4 parameter) of `module` as
    /// `kaiming_normal_(mode="fan_out", nonlinearity="relu")`, N(0, √(2/(k²·out))), in state_dict
    /// order: torchvision's ResNet init loop, and TRADES's WideResNet one.
    public static func kaimingNormalFanOutConvolutions(of module: any Module, generator: Generator? = nil) throws {
        try withNoGrad {
            for (_, tensor) in module.namedParameters() where tensor.rank == 4 {
                let shape = tensor.shape
                try tensor.copy(from: kaimingNormalFanOut(shape, fanOut: shape[0] * shape[2] * shape[3], device: tensor.device, generator: generator))
            }
        }
    }
}
