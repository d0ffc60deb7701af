// TrainingLog.swift: the Training layer's diagnostics (`deat train --verbose`). The library only
// logs; the CLI chooses where and from which level (docs/architecture.md §9, Diagnostics).
import Logging

/// Debug-level decisions of a run: data resolved, checkpoint written or resumed from, the M+ rule.
let trainingLog = Logger(label: "deat.training")
