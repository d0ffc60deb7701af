// Generator.swift: a seeded random-number generator owned by Swift, so that every random draw in
// deat (initialisation, shuffling, random starts, augmentation) is reproducible from one seed.
import CTorch

/// A libtorch random-number generator on one device, seeded at creation.
///
///     let gen = try Generator(seed: 0)
///     let noise = try Tensor.uniform([128, 1, 28, 28], low: -0.1, high: 0.1, generator: gen)
public final class Generator {
    let handle: OpaquePointer
    public let device: Device

    public init(seed: UInt64, device: Device = .cpu) throws {
        try device.validate()
        var err = dt_error(message: nil)
        let made = dt_generator_new(device.code, seed, &err)
        if let message = err.message {
            let text = String(cString: message)
            dt_error_free(&err)
            throw TorchError(text)
        }
        guard let made else { throw TorchError("libtorch returned no generator") }
        handle = made
        self.device = device
    }

    deinit {
        dt_generator_free(handle)
    }

    /// The seed the generator was created with.
    public var seed: UInt64 { dt_generator_seed(handle) }

    /// A seed derived from `seed` and integer coordinates such as (epoch, batch): SplitMix64 folded
    /// over the parts. Drawing every batch's randomness from its own derived seed makes a run's
    /// numbers independent of how it was interrupted and resumed. The mix also spreads neighbouring
    /// coordinates over the low 32 bits, the only ones libtorch's CPU Mersenne Twister keys on.
    public static func derivedSeed(_ seed: UInt64, _ parts: Int...) -> UInt64 {
        func mix(_ value: UInt64) -> UInt64 {
            var z = value &+ 0x9E37_79B9_7F4A_7C15
            z = (z ^ (z >> 30)) &* 0xBF58_476D_1CE4_E5B9
            z = (z ^ (z >> 27)) &* 0x94D0_49BB_1331_11EB
            return z ^ (z >> 31)
        }
        return parts.reduce(mix(seed)) { mix($0 ^ UInt64(bitPattern: Int64($1))) }
    }
}
