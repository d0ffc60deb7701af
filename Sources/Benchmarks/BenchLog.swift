// BenchLog.swift: Benchmarks' diagnostics (`deat bench … --verbose`). The library only logs; the
// CLI chooses where and from which level (docs/architecture.md §9, Diagnostics).
import Logging

/// Debug-level: every child's command line, and how it ended.
let benchLog = Logger(label: "deat.bench")
