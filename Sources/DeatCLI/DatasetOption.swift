// DatasetOption.swift: the check of a free-text --dataset option (eval, analyze), done in
// validate() so that a typo is a usage error before any file is read.
import ArgumentParser
import DataFormats
import Datasets

func validateDatasetOption(_ name: String?) throws {
    guard let name, DatasetName(rawValue: name) == nil else { return }
    throw ValidationError("--dataset must be one of \(DatasetName.allCases.map(\.rawValue).joined(separator: ", ")), got \(name)")
}
