#!/usr/bin/env bash
# scripts/dev.sh: the README's commands. Each verb installs what deat needs (apt, skipped when
# already present), builds, and runs:
#   scripts/dev.sh demo    release build, then deat's main job: M+DEAT on Fashion-MNIST (SmallCNN),
#                          PGD-20 and AutoAttack on the first 1,000 test points, and the HTML report
#                          (all in runs/demo/)
#   scripts/dev.sh test    debug build, then the whole test suite, the Examples and the docs (what .ci/run calls)
#   scripts/dev.sh bench   release build, then `deat bench step` and `deat bench ops`: deat vs PyTorch
#                          (ratios); the other benchmarks are in the README's "Benchmarks against PyTorch"
#   scripts/dev.sh docs    the DocC documentation of every library (docs_build below); fails on any warning
#   scripts/dev.sh deps    only the apt packages
set -euo pipefail
cd "$(dirname "$0")/.."

# libopenblas0-pthread: without it libtorch's BLAS runs ~30x slower. python3-torch (Debian's, the
# same libtorch 1.13) is the test oracle and benchmark peer, never part of the product.
# libturbojpeg0-dev, libspng-dev: the JPEG and PNG decoders of `--dataset folder`.
# libdnnl-dev: the headers of the oneDNN that Debian's libtorch runs on, for deat's Winograd
# convolutions (Sources/CTorch/onednn_conv.cpp; `--convolutions winograd`).
# libcurl4-openssl-dev: libcurl, which FoundationNetworking's URLSession (`deat data fetch`) runs on;
# the -dev package for libcurl.so, which a --static-swift-stdlib link (scripts/gpu/package.sh) needs.
PACKAGES=(libtorch-dev libgloo-dev libopenblas0-pthread dataset-fashion-mnist zlib1g-dev libturbojpeg0-dev libspng-dev libcurl4-openssl-dev libdnnl-dev python3-torch python3-numpy)

deps() {
    local missing=()
    for p in "${PACKAGES[@]}"; do
        dpkg-query -W -f='${Status}' "$p" 2>/dev/null | grep -q "install ok installed" || missing+=("$p")
    done
    [ ${#missing[@]} -eq 0 ] && return 0
    echo "installing: ${missing[*]}" >&2
    local sudo=""
    [ "$(id -u)" -ne 0 ] && sudo="sudo"
    $sudo apt-get update -qq
    DEBIAN_FRONTEND=noninteractive $sudo apt-get install -y -qq --no-install-recommends "${missing[@]}" >/dev/null
}

run_tests() {
    scripts/check-imports.sh  # every import a declared dependency (a build alone does not catch it)
    # A merge's conflict markers left in any tracked file (a build catches them only in code).
    if git grep -nE '^(<<<<<<<|>>>>>>>)( |$)' -- . 2>/dev/null; then
        echo "error: conflict markers in the files above" >&2
        return 1
    fi
    swift build --build-tests
    local log
    log=$(mktemp)
    set +e
    swift test --skip-build 2>&1 | tee "$log"
    local status=${PIPESTATUS[0]}
    set -e
    # One plain closing line for CI: Swift Testing's summary, restated as "N passed, N failed".
    local total failed
    total=$(grep -oE 'Test run with [0-9]+ test' "$log" | grep -oE '[0-9]+' | tail -1)
    failed=$(grep -cE '^✘ Test .* failed after' "$log" || true)
    rm -f "$log"
    [ -n "$total" ] && echo "$((total - failed)) passed, $failed failed"
    [ "$status" -eq 0 ] || return "$status"
    run_examples
    docs_build  # ~1.5 min on the warm debug build: symbol graphs, then docc per target
}

# The API documentation (README "API documentation"): every library target through swift-docc-plugin,
# merged into one site by the plugin's combined documentation, so the DEAT catalog's articles
# (Sources/DEAT/DEAT.docc) link to the symbols of every layer (docs/architecture.md §9). Any docc
# warning (an unresolved symbol link, a parameter documented that does not exist) fails the build.
# DOCS_COVERAGE=1 adds docc's per-module documentation coverage summary.
DOC_TARGETS=(Torch NN Models SafeTensors Storage DataFormats Datasets Attacks Evaluation Training Reports DataFetch DEAT)
docs_build() {
    local targets=() t
    for t in "${DOC_TARGETS[@]}"; do targets+=(--target "$t"); done
    local coverage=()
    [ "${DOCS_COVERAGE:-0}" = 1 ] && coverage=(--experimental-documentation-coverage --coverage-summary-level brief)
    swift package generate-documentation --enable-experimental-combined-documentation "${targets[@]}" \
        --warnings-as-errors "${coverage[@]}"
    echo "docs: .build/plugins/Swift-DocC/outputs/deat.doccarchive"
}

# The Examples package (Examples/Package.swift) depends on deat by path, as a user's package
# would: it must build against the library products and run, each example on a tiny workload.
run_examples() {
    swift build --package-path Examples
    local bin work
    bin=$(swift build --package-path Examples --show-bin-path)
    work=$(mktemp -d)
    (
        cd "$work"
        "$bin/train-mplus-deat" 1 256
        "$bin/evaluate-autoattack" runs/example-mplus-deat/model.safetensors 4
        "$bin/custom-method" 1
    )
    rm -rf "$work"
    echo "examples: built and ran train-mplus-deat, evaluate-autoattack, custom-method"
}

case "${1:-}" in
    deps) deps ;;
    demo)
        deps
        swift build -c release --product deat
        run=runs/demo
        # Re-running continues (or just reports) the earlier run instead of refusing its directory.
        if [ -f "$run/checkpoint.safetensors" ]; then
            .build/release/deat train --resume "$run"
        else
            .build/release/deat train --out "$run" "${@:2}"
        fi
        .build/release/deat eval "$run/best.safetensors" --dataset fashion-mnist --eps 0.1 --n 1000 \
            --attacks pgd-20,aa-standard --report "$run/eval.json"
        .build/release/deat report "$run"
        ;;
    test)
        deps
        run_tests
        ;;
    docs)
        docs_build
        ;;
    bench)
        deps
        swift build -c release --product deat
        .build/release/deat bench step "${@:2}"
        .build/release/deat bench ops "${@:2}"
        ;;
    *)
        echo "usage: scripts/dev.sh demo|test|bench|docs|deps" >&2
        exit 64
        ;;
esac
