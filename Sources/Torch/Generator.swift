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
}
