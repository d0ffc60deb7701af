#!/usr/bin/env bash
# scripts/gpu/package.sh: makes dist/ — a release `deat` with the Swift runtime linked in
# (--static-swift-stdlib) and the shim left out (DEAT_SHIM_LIB), plus this machine's libctorch.so —
# to copy to a machine that has a libtorch but no Swift (the GPU machine). There, rebuild the shim
# against that machine's libtorch and run:
#
#   scripts/gpu/build-shim.sh --out dist && dist/deat doctor --device cuda
#
# Here, `dist/deat doctor` runs on Debian's libtorch through the libctorch.so built beside it.
set -euo pipefail
cd "$(dirname "$0")/../.."
dist=${1:-dist}
mkdir -p "$dist"
scripts/gpu/build-shim.sh --out "$dist" --libtorch /usr
DEAT_SHIM_LIB="$PWD/$dist" swift build -c release --static-swift-stdlib --product deat --scratch-path .build-shipped
cp .build-shipped/release/deat "$dist/deat"
strip "$dist/deat"
# The GPU machine takes the working tree plus at most 64 MiB: carry dist/deat.xz there.
xz -T0 -6 -kf "$dist/deat"
ls -l "$dist" >&2
