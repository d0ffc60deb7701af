// Evaluates a checkpoint with AutoAttack (standard) on the first N test points, as `deat eval`
// does: the dataset and ε come from the checkpoint's metadata, the report is written beside it,
// and a killed evaluation resumes from its state file.
//
//   evaluate-autoattack MODEL.safetensors [N]
import DEAT
import Foundation

let arguments = Array(CommandLine.arguments.dropFirst())
guard let model = arguments.first else {
    FileHandle.standardError.write(Data("usage: evaluate-autoattack MODEL.safetensors [N]\n".utf8))
    exit(64)
}
var settings = EvaluationSettings(modelFile: URL(fileURLWithPath: model))
settings.attacks = "aa-standard"
settings.count = arguments.dropFirst().first.flatMap { Int($0) } ?? 1000

let evaluation = try EvaluationRun(settings, device: .cpu)
let outcome = try evaluation.run()
for stage in outcome.report.stages {
    print(String(format: "after %@: %.2f%%", stage.name, stage.robustAccuracy * 100))
}
print(String(format: "clean %.2f%%, robust %.2f%% (N = %d); report: %@", outcome.report.cleanAccuracy * 100,
             outcome.report.robustAccuracy * 100, outcome.report.n, evaluation.reportFile.path))
