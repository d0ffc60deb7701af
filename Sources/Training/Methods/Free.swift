// Free.swift: FREE-m ("Adversarial training for free", Shafahi et al.) as DEAT's Table 1 runs it
// (docs/methods.md §2): every minibatch replayed m times, step α = ε, δ starting at zero for
// each minibatch, the same epochs as the other methods (not divided by m). It is DEAT with a fixed
// replay count, so it is built from the same replay step rather than a copy of it.

extension DEAT {
    /// FREE-m: m replays per minibatch, step ε, zero start.
    static func free(replays m: Int, epsilon: Double) -> DEAT {
        DEAT(name: "free-\(m)", policy: .fixed(m), stepSize: epsilon, start: .zero, startRadius: 0)
    }
}
