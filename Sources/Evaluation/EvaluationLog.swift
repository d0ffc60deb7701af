// EvaluationLog.swift: the Evaluation layer's diagnostics (`deat eval --verbose`). The library only
// logs; the CLI chooses where and from which level (docs/architecture.md §9, Diagnostics).
import Logging

/// Debug-level stages of an evaluation: model and points resolved, each attack and the points it has left.
let evaluationLog = Logger(label: "deat.evaluation")
