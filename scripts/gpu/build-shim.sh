#!/usr/bin/env bash
# scripts/gpu/build-shim.sh: builds deat's C++ shim (Sources/CTorch) as a shared library,
# libctorch.so, against a libtorch with g++ alone (no Swift needed), for a `deat` built with
# DEAT_SHIM_LIB (scripts/gpu/package.sh). Put the result next to that `deat`.
#
#   scripts/gpu/build-shim.sh --out DIR [--libtorch ROOT]
#
# ROOT is a libtorch tree or a PyTorch installation's torch/ folder (default: $LIBTORCH, else the
# `torch` that /usr/bin/python3 or python3 imports, else Debian's libtorch under /usr). CUDA is used
# when ROOT/lib/libtorch_cuda.so exists; the C++ standard and ABI follow the libtorch (C++17 for
# 1.x, C++20 for 2.x; ABI from torch._C._GLIBCXX_USE_CXX11_ABI when Python can tell).
set -euo pipefail
cd "$(dirname "$0")/../.."
out="" root="${LIBTORCH:-}"
while [ $# -gt 0 ]; do
    case "$1" in
        --out) out=$2; shift 2 ;;
        --libtorch) root=$2; shift 2 ;;
        *) echo "error: unknown option $1 (expected --out DIR, --libtorch ROOT)" >&2; exit 2 ;;
    esac
done
[ -n "$out" ] || { echo "error: --out DIR is required" >&2; exit 2; }
mkdir -p "$out"

python_torch() {  # prints "ROOT ABI" for the torch a Python interpreter imports
    "$1" -c 'import os, torch; print(os.path.dirname(torch.__file__), int(torch._C._GLIBCXX_USE_CXX11_ABI))' 2>/dev/null
}
abi=""
if [ -z "$root" ]; then
    for py in python3 /usr/bin/python3; do
        if found=$(python_torch "$py") && [ -d "${found% *}/include/torch" ]; then
            root=${found% *}; abi=${found#* }; break
        fi
    done
fi
if [ -z "$root" ] || [ "$root" = /usr ]; then  # Debian's libtorch-dev
    includes=(-isystem /usr/include/torch/csrc/api/include)
    libdir=/usr/lib/x86_64-linux-gnu
    header=/usr/include/torch/csrc/api/include/torch/version.h
else
    includes=(-isystem "$root/include" -isystem "$root/include/torch/csrc/api/include")
    libdir=$root/lib
    header=$root/include/torch/csrc/api/include/torch/version.h
fi
# Newer libtorch keeps the numbers in torch/headeronly/version.h, which version.h includes.
[ -f "$(dirname "$header")/../../../../headeronly/version.h" ] && header="$header $(dirname "$header")/../../../../headeronly/version.h"
major=$(cat $header | sed -nE 's/^#define TORCH_VERSION_MAJOR ([0-9]+).*/\1/p' | head -1)
minor=$(cat $header | sed -nE 's/^#define TORCH_VERSION_MINOR ([0-9]+).*/\1/p' | head -1)
version=$major.$minor
[ -e "$libdir/libtorch_cpu.so" ] || { echo "error: no libtorch_cpu.so in $libdir (pass --libtorch ROOT)" >&2; exit 1; }
std=c++17
[ "${major:-1}" -ge 2 ] && std=c++20
abi=${abi:-${LIBTORCH_CXX11_ABI:-1}}
libs=(-ltorch_cpu -lc10)
defines=()
if [ -e "$libdir/libtorch_cuda.so" ]; then
    libs+=(-ltorch_cuda)
    [ -e "$libdir/libc10_cuda.so" ] && libs+=(-lc10_cuda)
    defines+=(-DDT_WITH_CUDA)
    # NCCL's header comes with the nvidia-nccl wheel next to torch, when PyTorch was installed by pip.
    nccl=$(ls -d "$root"/../nvidia/nccl/include 2>/dev/null | head -1 || true)
    [ -n "$nccl" ] && includes+=(-isystem "$nccl") && defines+=(-DUSE_C10D_NCCL)
fi
echo "libtorch $version from $libdir, -std=$std, ABI $abi, ${defines[*]:-CPU only}" >&2
# One g++ per source file, as many at once as there are cores: each one parses libtorch's headers,
# which takes most of the time.
objects=$(mktemp -d)
trap 'rm -rf "$objects"' EXIT
for src in Sources/CTorch/*.cpp; do
    while [ "$(jobs -rp | wc -l)" -ge "$(nproc)" ]; do wait -n || true; done
    g++ -c -O2 -fPIC -std="$std" -D_GLIBCXX_USE_CXX11_ABI="$abi" "${defines[@]}" "${includes[@]}" \
        -Wno-unused-parameter -Wno-deprecated-declarations -ISources/CTorch/include \
        "$src" -o "$objects/$(basename "$src" .cpp).o" &
done
wait
# g++ leaves no object behind when it fails, so a missing one is a failed file.
for src in Sources/CTorch/*.cpp; do
    [ -f "$objects/$(basename "$src" .cpp).o" ] || { echo "error: $src did not compile (messages above)" >&2; exit 1; }
done
# --no-as-needed: torch_cuda's static initialisers register the CUDA hooks although no symbol of it
# is referenced. The RPATH (not RUNPATH) lets libtorch's own dependencies resolve from the same place.
g++ -shared "$objects"/*.o -o "$out/libctorch.so" \
    -L"$libdir" -Wl,--disable-new-dtags,-rpath,"$libdir" -Wl,--no-as-needed "${libs[@]}" -Wl,--as-needed
echo "$out/libctorch.so" >&2
