// Tensor+Creation.swift: tensors from Swift values, constant factories and seeded random tensors.
import CTorch

extension Tensor {
    /// A tensor holding `values` (copied) in row-major order with the given shape.
    ///
    ///     let x = try Tensor([1, 2, 3, 4] as [Float], shape: [2, 2])
    public convenience init<T: TensorElement>(_ values: [T], shape: [Int], on device: Device = .cpu) throws {
        let expected = shape.reduce(1, *)
        guard shape.allSatisfy({ $0 >= 0 }), expected == values.count else {
            throw TorchError("shape \(shape) needs \(expected) elements, got \(values.count)")
        }
        try device.validate()
        let cpu = try values.withUnsafeBytes { raw in
            try withInt64s(shape) { sizes, rank in
                try handleCall { dt_from_data(raw.baseAddress, sizes, rank, T.dtype.rawValue, $0) }
            }
        }
        if device == .cpu {
            self.init(owning: cpu)
        } else {
            let staged = Tensor(owning: cpu)
            self.init(owning: try handleCall { dt_to(staged.handle, device.code, -1, false, $0) })
        }
    }

    /// A one-dimensional tensor holding `values`.
    public convenience init<T: TensorElement>(_ values: [T], on device: Device = .cpu) throws {
        try self.init(values, shape: [values.count], on: device)
    }

    /// A zero-dimensional tensor holding `value`.
    public convenience init<T: TensorElement>(scalar value: T, on device: Device = .cpu) throws {
        try self.init([value], shape: [], on: device)
    }

    public static func zeros(_ shape: [Int], dtype: DType = .float32, device: Device = .cpu) throws -> Tensor {
        try device.validate()
        return try withInt64s(shape) { sizes, rank in
            try tensorCall { dt_zeros(sizes, rank, dtype.rawValue, device.code, $0) }
        }
    }

    public static func ones(_ shape: [Int], dtype: DType = .float32, device: Device = .cpu) throws -> Tensor {
        try device.validate()
        return try withInt64s(shape) { sizes, rank in
            try tensorCall { dt_ones(sizes, rank, dtype.rawValue, device.code, $0) }
        }
    }

    public static func full(
        _ shape: [Int], _ value: some ScalarConvertible, dtype: DType = .float32, device: Device = .cpu
    ) throws -> Tensor {
        try device.validate()
        return try withInt64s(shape) { sizes, rank in
            try tensorCall { dt_full(sizes, rank, value.scalar, dtype.rawValue, device.code, $0) }
        }
    }

    /// Zeros with this tensor's shape, dtype and device.
    public func zerosLike() throws -> Tensor { try Tensor.zeros(shape, dtype: dtype, device: device) }

    /// Ones with this tensor's shape, dtype and device.
    public func onesLike() throws -> Tensor { try Tensor.ones(shape, dtype: dtype, device: device) }

    /// Values from `start` up to (not including) `end` by `step`, like `torch.arange`.
    public static func arange(
        _ start: some ScalarConvertible, _ end: some ScalarConvertible, step: some ScalarConvertible = 1,
        dtype: DType = .int64, device: Device = .cpu
    ) throws -> Tensor {
        try device.validate()
        return try tensorCall { dt_arange(start.scalar, end.scalar, step.scalar, dtype.rawValue, device.code, $0) }
    }

    // MARK: Random (generator nil: libtorch's default generator, seeded by Runtime.manualSeed)

    /// Uniform on [0, 1).
    public static func rand(
        _ shape: [Int], dtype: DType = .float32, device: Device = .cpu, generator: Generator? = nil
    ) throws -> Tensor {
        try device.validate()
        return try withInt64s(shape) { sizes, rank in
            try tensorCall { dt_rand(sizes, rank, dtype.rawValue, device.code, generator?.handle, $0) }
        }
    }

    /// Standard normal.
    public static func randn(
        _ shape: [Int], dtype: DType = .float32, device: Device = .cpu, generator: Generator? = nil
    ) throws -> Tensor {
        try device.validate()
        return try withInt64s(shape) { sizes, rank in
            try tensorCall { dt_randn(sizes, rank, dtype.rawValue, device.code, generator?.handle, $0) }
        }
    }

    /// Uniform on [low, high), like `torch.empty(...).uniform_(low, high)`.
    public static func uniform(
        _ shape: [Int], low: Double, high: Double, dtype: DType = .float32, device: Device = .cpu,
        generator: Generator? = nil
    ) throws -> Tensor {
        try device.validate()
        return try withInt64s(shape) { sizes, rank in
            try tensorCall { dt_uniform(sizes, rank, low, high, dtype.rawValue, device.code, generator?.handle, $0) }
        }
    }

    /// Integers uniform on [low, high), as int64.
    public static func randint(
        _ low: Int, _ high: Int, shape: [Int], device: Device = .cpu, generator: Generator? = nil
    ) throws -> Tensor {
        try device.validate()
        return try withInt64s(shape) { sizes, rank in
            try tensorCall { dt_randint(Int64(low), Int64(high), sizes, rank, device.code, generator?.handle, $0) }
        }
    }

    /// A random permutation of 0..<n, as int64.
    public static func randperm(_ n: Int, device: Device = .cpu, generator: Generator? = nil) throws -> Tensor {
        try device.validate()
        return try tensorCall { dt_randperm(Int64(n), device.code, generator?.handle, $0) }
    }

    /// 0/1 draws with success probability given element-wise by this tensor.
    public func bernoulli(generator: Generator? = nil) throws -> Tensor {
        try tensorCall { dt_bernoulli(handle, generator?.handle, $0) }
    }
}
