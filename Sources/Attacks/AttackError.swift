// AttackError.swift: the errors the attacks raise themselves (a parameter out of range, an attack
// name the parser does not know, inputs of the wrong shape or dtype), so that a caller can tell a
// misconfigured attack from a failure inside libtorch, which stays a `TorchError` and passes
// through the attacks unchanged.

/// A misconfigured attack or a batch it cannot take. `description` is one line that names what
/// was wrong, the values given and what they must be.
public enum AttackError: Error, CustomStringConvertible, Equatable, Sendable {
    /// `attack`'s parameters break `requirement`; `got` lists the values given.
    case invalidParameters(attack: String, requirement: String, got: String)
    /// A name `AttackSuite.parse` does not know.
    case unknownAttack(String)
    /// Images or labels (`what`) that are not the batch the attacks take.
    case invalidBatch(what: String, expected: String, got: String)
    /// Logits with fewer classes than a loss needs (DLR 3, targeted DLR 4).
    case tooFewClasses(loss: String, needed: Int, logitsShape: [Int])
    /// An attack or suite that exists only for L∞, asked for under L2; `instead` says what to use.
    case linfOnly(String, instead: String)

    public var description: String {
        switch self {
        case .invalidParameters(let attack, let requirement, let got):
            "\(attack) needs \(requirement); got \(got)"
        case .unknownAttack(let name):
            "unknown attack '\(name)'; expected \(AttackSuite.helpText)"
        case .invalidBatch(let what, let expected, let got):
            "\(what) must be \(expected), got \(got)"
        case .tooFewClasses(let loss, let needed, let shape):
            "\(loss) needs at least \(needed) classes, got logits of shape \(shape) (docs/attacks.md §13.6)"
        case .linfOnly(let name, let instead):
            "\(name) is not offered under L2; use \(instead) (docs/attacks.md §10.1)"
        }
    }
}
