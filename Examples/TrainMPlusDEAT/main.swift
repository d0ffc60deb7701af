// Trains a SmallCNN on Fashion-MNIST (Debian's dataset-fashion-mnist) with M+DEAT and deat's
// defaults, as `deat train` does, and prints each epoch: the replay count r the M+ rule chose, the
// backward passes so far and the validation accuracies. Rerunning resumes the run.
//
//   train-mplus-deat [EPOCHS] [TRAIN-SUBSET]
import DEAT
import Foundation

let arguments = CommandLine.arguments.dropFirst()
var config = TrainingConfig.defaults(method: .mplusDEAT, dataset: .fashionMNIST, epochs: arguments.first.flatMap { Int($0) } ?? 10)
config.dataDirectory = DatasetName.fashionMNIST.defaultDirectory ?? "/usr/share/datasets/fashion-mnist"
config.trainSubset = arguments.dropFirst().first.flatMap { Int($0) }

let directory = URL(fileURLWithPath: "runs/example-mplus-deat")
let run = try TrainingRun(config: config, directory: directory, device: .cpu)
_ = try run.resume()
try run.trainer.run { event in
    guard case .epochFinished(let e) = event else { return }
    print(String(format: "epoch %d  r %d  %6d backward passes  clean %.1f%%  PGD %.1f%%",
                 e.epoch + 1, e.iterations, e.totalBackwardPasses, e.cleanAccuracy * 100, e.robustAccuracy * 100))
}
print("best model: \(run.trainer.files.best.path)")
