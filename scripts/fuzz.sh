#!/usr/bin/env bash
# scripts/fuzz.sh: fuzzes every file parser of deat (safetensors, IDX plain and gzip, CIFAR binary,
# CIFAR pickle, tar, JPEG, PNG) with deat-fuzz (Sources/DeatFuzz), built in release under .build-fuzz.
#
#   scripts/fuzz.sh [--inputs 1000000] [--seed 1] [--jobs 2] [--parser all|NAME[,NAME…]] [--no-save]
#       The seeded mutation campaign: N inputs per parser, one worker process per parser, `jobs` at
#       a time. Prints each crash as it happens, then per parser: inputs, inputs/s, parsed, rejected,
#       crashes. Crashing inputs are saved as Tests/<Target>Tests/Fixtures/fuzz-regressions/<parser>/
#       <hash>.bin (unless --no-save), where the fuzz regression tests replay them. Exits 1 on a crash.
#
#   scripts/fuzz.sh --engine libfuzzer [--parser NAME] [--seconds 60] [-- LIBFUZZER-ARGS…]
#       The same checks under LLVM's coverage-guided libFuzzer (Linux toolchains ship it), starting
#       from deat-fuzz's seeds; built under .build-fuzz/libfuzzer. libFuzzer stops at the first crash
#       and writes it as .build-fuzz/libfuzzer-artifacts/<parser>/crash-<sha1>.
set -euo pipefail
cd "$(dirname "$0")/.."

engine=builtin
seconds=60
parser=all
campaign_args=()
libfuzzer_args=()
while [ $# -gt 0 ]; do
    case "$1" in
        --engine) engine="$2"; shift 2 ;;
        --seconds) seconds="$2"; shift 2 ;;
        --parser) parser="$2"; campaign_args+=(--parser "$2"); shift 2 ;;
        --inputs|--seed|--jobs|--max-crashes|--hang-seconds) campaign_args+=("$1" "$2"); shift 2 ;;
        --no-save) campaign_args+=(--no-save); shift ;;
        --) shift; libfuzzer_args=("$@"); break ;;
        *) echo "fuzz.sh: unknown option $1 (see the comment at the top of scripts/fuzz.sh)" >&2; exit 2 ;;
    esac
done

case "$engine" in
builtin)
    swift build --scratch-path .build-fuzz -c release --product deat-fuzz
    exec .build-fuzz/release/deat-fuzz campaign --root "$PWD" "${campaign_args[@]}"
    ;;
libfuzzer)
    # SwiftPM links its own `main`; deat-fuzz enters libFuzzer through LLVMFuzzerRunDriver instead
    # (LibFuzzer.swift). lld: gold fails on the duplicate `main` that -sanitize=fuzzer brings in.
    swift build --scratch-path .build-fuzz/libfuzzer -c release --product deat-fuzz \
        -Xswiftc -sanitize=fuzzer -Xswiftc -DDEAT_LIBFUZZER -Xswiftc -use-ld=lld
    binary=.build-fuzz/libfuzzer/release/deat-fuzz
    if [ "$parser" = all ]; then
        parsers=(safetensors idx idx-gzip cifar-binary cifar-pickle tar jpeg png)
    else
        IFS=, read -r -a parsers <<< "$parser"
    fi
    status=0
    for p in "${parsers[@]}"; do
        corpus=.build-fuzz/libfuzzer-corpus/$p
        artifacts=.build-fuzz/libfuzzer-artifacts/$p
        mkdir -p "$corpus" "$artifacts"
        "$binary" seeds --parser "$p" --out "$corpus"
        echo "== libFuzzer: $p, ${seconds}s"
        SWIFT_BACKTRACE=enable=no "$binary" libfuzzer --parser "$p" -- -max_total_time="$seconds" \
            -max_len=65536 -rss_limit_mb=4096 -artifact_prefix="$artifacts/" -print_final_stats=1 \
            "${libfuzzer_args[@]}" "$corpus" || status=1
    done
    exit $status
    ;;
*)
    echo "fuzz.sh: --engine is builtin or libfuzzer" >&2
    exit 2
    ;;
esac
