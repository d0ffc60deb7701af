// FetchLog.swift: DataFetch's diagnostics (`deat data fetch --verbose`). The library only logs; the
// CLI chooses where and from which level (docs/architecture.md §9, Diagnostics).
import Logging

/// Debug-level decisions of a fetch: which files are present, resumed or downloaded, and where.
let fetchLog = Logger(label: "deat.data")
