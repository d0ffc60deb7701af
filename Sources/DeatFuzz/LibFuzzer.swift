// LibFuzzer.swift: the `libfuzzer` command: the same targets and checks, driven by LLVM's
// coverage-guided libFuzzer instead of the seeded mutator. Exists only in a build made with
// `-Xswiftc -sanitize=fuzzer -Xswiftc -DDEAT_LIBFUZZER` (scripts/fuzz.sh --engine libfuzzer).
//
// SwiftPM links an executable's entry point as `main`, so libFuzzer's own `main` cannot be used;
// `LLVMFuzzerRunDriver` is libFuzzer's documented entry for programs that keep their own main.
// libFuzzer writes a crashing input as `crash-<sha1>` (see its -artifact_prefix flag) itself.

import Foundation

#if DEAT_LIBFUZZER
@_silgen_name("LLVMFuzzerRunDriver")
private func LLVMFuzzerRunDriver(
    _ argc: UnsafeMutablePointer<CInt>,
    _ argv: UnsafeMutablePointer<UnsafeMutablePointer<UnsafeMutablePointer<CChar>?>?>,
    _ callback: @convention(c) (UnsafePointer<UInt8>?, Int) -> CInt
) -> CInt
#endif

enum LibFuzzer {
    // libFuzzer's callback is a C function without context, so the target and counters are globals.
    nonisolated(unsafe) private static var target: FuzzTarget?
    nonisolated(unsafe) private static var parsed = 0
    nonisolated(unsafe) private static var rejected = 0

    /// Runs libFuzzer on `target` with libFuzzer's own `arguments` (flags, corpus folders).
    static func run(_ target: FuzzTarget, arguments: [String]) throws -> Int32 {
        #if DEAT_LIBFUZZER
        Self.target = target
        atexit { print("libfuzzer \(LibFuzzer.target?.name ?? ""): parsed \(LibFuzzer.parsed) rejected \(LibFuzzer.rejected)") }
        let all = [CommandLine.arguments[0]] + arguments
        var cStrings: [UnsafeMutablePointer<CChar>?] = all.map { strdup($0) } + [nil]
        var argc = CInt(all.count)
        return cStrings.withUnsafeMutableBufferPointer { buffer in
            var argv: UnsafeMutablePointer<UnsafeMutablePointer<CChar>?>? = buffer.baseAddress
            return LLVMFuzzerRunDriver(&argc, &argv) { data, size in
                let bytes = size == 0 ? [] : Array(UnsafeBufferPointer(start: data, count: size))
                switch LibFuzzer.target?.check(bytes) {
                case .parsed: LibFuzzer.parsed += 1
                default: LibFuzzer.rejected += 1
                }
                return 0
            }
        }
        #else
        throw UsageError("this deat-fuzz was built without libFuzzer; run scripts/fuzz.sh --engine libfuzzer")
        #endif
    }
}
