// Arguments.swift: how the libraries' types are read from the command line. The conformances
// live here because the libraries do not depend on swift-argument-parser; each type is parsed once,
// where the user types it, and passed on typed.
import ArgumentParser
import Attacks
import Benchmarks
import DataFetch
import DataFormats
import Models
import Torch
import Training

extension MethodName: ExpressibleByArgument {}
extension TrainingPrecision: ExpressibleByArgument {}
extension ConvolutionAlgorithm: ExpressibleByArgument {}
extension TrainingConfig.ScheduleName: ExpressibleByArgument {}
extension TrainingSetting: ExpressibleByArgument {}

/// `1/2,4/5` (fractions of the run) or `23,38` (0-based epochs).
extension LearningRateMilestones: ExpressibleByArgument {
    public init?(argument: String) { self.init(text: argument) }
}
extension MagnitudeSource: ExpressibleByArgument {}
extension DatasetName: ExpressibleByArgument {}

/// `deat data fetch NAME`: the built-in source of fashion-mnist, mnist, cifar10 or cifar100.
extension DatasetSource: ExpressibleByArgument {
    public init?(argument: String) {
        guard let source = DatasetSource.builtIn(argument) else { return nil }
        self = source
    }
    public static var allValueStrings: [String] { all.map(\.name) }
}
extension ProcessGroup.Backend: ExpressibleByArgument {}
extension PaperBench.Selection: ExpressibleByArgument {}

/// `Linf`/`L2`, in any letter case.
extension ThreatNorm: ExpressibleByArgument {
    public init?(argument: String) {
        guard let norm = ThreatNorm.allCases.first(where: { $0.rawValue.lowercased() == argument.lowercased() }) else { return nil }
        self = norm
    }
}

extension Epsilon: ExpressibleByArgument {
    public init?(argument: String) { self.init(text: argument) }
    public static var defaultValueDescription: String { "8/255" }
}
