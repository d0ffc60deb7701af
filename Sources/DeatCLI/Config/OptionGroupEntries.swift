// OptionGroupEntries.swift: the config-file entries of the option groups several commands share
// (docs/architecture.md §9.5), written once here for every command's resolved config.
extension AttackSuiteOptions {
    var configEntries: [(key: String, value: String)] {
        [("apgd-steps", "\(apgdSteps)"), ("targets", "\(targets)"), ("square-queries", "\(squareQueries)"),
         ("cw-kappa", "\(cwKappa)"), ("step-fraction", "\(stepFraction)")]
    }
}

extension RuntimeOptions {
    var configEntries: [(key: String, value: String)] {
        [("threads", "\(threads)"), ("device", device.description), ("seed", "\(seed)")]
    }
}
