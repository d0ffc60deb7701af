// ResidentMemory.swift: a process's own peak resident memory, as each side of `deat bench peer`
// reports it in its result (docs/benchmarks.md, "Memory measured the same way"): the PyTorch peers
// through scripts/bench/common.py's emit, deat's `bench peer-run` through this.
import Foundation
#if canImport(Glibc)
import Glibc
#endif

public enum ResidentMemory {
    /// The result key both sides use.
    public static let resultKey = "peak_rss_kib"

    /// getrusage(RUSAGE_SELF).ru_maxrss: this process's peak resident set size so far, in KiB on Linux.
    public static var peakKiB: Int {
        var usage = rusage()
        #if canImport(Glibc)
        getrusage(__rusage_who_t(RUSAGE_SELF.rawValue), &usage)
        #else
        getrusage(RUSAGE_SELF, &usage)
        #endif
        return Int(usage.ru_maxrss)
    }
}
