// PassCount.swift: the work of an evaluation in model passes, counted where the model is called
// (docs/attacks.md §10.5): forwards by `PassCountingLayer`, the one door attacks call the model
// through, and backwards by the one place attacks take an input gradient (`lossAndGradient`).
// Passes are per example: a forward of a batch of 250 points is 250 forwards. Unlike seconds, a
// pass count is the same on every machine, so speed claims between attack sets are made in passes.
//
//   let (images, passes) = try ModelPasses.count { try attack.perturb(model: PassCountingLayer(model), …) }
import Torch

/// Forward and backward passes, in examples.
public struct PassCount: Codable, Sendable, Equatable {
    public var forwards: Int
    public var backwards: Int

    public init(forwards: Int = 0, backwards: Int = 0) {
        self.forwards = forwards
        self.backwards = backwards
    }

    public static func + (a: PassCount, b: PassCount) -> PassCount {
        PassCount(forwards: a.forwards + b.forwards, backwards: a.backwards + b.backwards)
    }

    public static func += (a: inout PassCount, b: PassCount) { a = a + b }
}

/// Counts the forward and backward passes (per example) made inside a closure, through
/// ``PassCountingLayer`` and the attacks' input gradients: the machine-independent cost of an evaluation.
public enum ModelPasses {
    final class Tally: @unchecked Sendable {
        // Only touched by the task (or thread) that installed it, through the task-local below.
        var passes = PassCount()
    }

    @TaskLocal static var tally: Tally?

    /// Runs `body` and returns what it returned with the passes recorded on this task or thread
    /// meanwhile; they are also added to an enclosing `count`, so a total can wrap per-stage counts.
    public static func count<R>(_ body: () throws -> R) rethrows -> (result: R, passes: PassCount) {
        let enclosing = tally
        let inner = Tally()
        let result = try $tally.withValue(inner) { try body() }
        enclosing?.passes += inner.passes
        return (result, inner.passes)
    }

    /// A forward pass of `rows` examples through a counted model.
    static func recordForward(rows: Int) {
        tally?.passes.forwards += rows
    }

    /// An input gradient of `rows` examples taken through the model. Attacks call it where they
    /// differentiate (`lossAndGradient`), since no forward can tell whether a backward will follow.
    public static func recordBackward(rows: Int) {
        tally?.passes.backwards += rows
    }
}

/// `inner` with every call counted as a forward pass of its batch's rows. Parameters and mode are
/// `inner`'s (switching the wrapper's mode switches `inner` and its children); save `inner`, not this.
public final class PassCountingLayer: Layer {
    public let inner: any Layer

    public init(_ inner: any Layer) {
        self.inner = inner
    }

    public var training: Bool {
        get { inner.training }
        set { inner.train(newValue) }
    }

    public var localParameters: [(name: String, tensor: Tensor)] { inner.namedParameters() }

    public func callAsFunction(_ input: Tensor) throws -> Tensor {
        ModelPasses.recordForward(rows: input.shape.first ?? 1)
        return try inner(input)
    }
}
