#!/usr/bin/env bash
# scripts/gpu/check.sh: the GPU machine's whole check in one command (README), for a machine with a
# CUDA PyTorch, g++ and no Swift. It needs dist/deat (or dist/deat.xz) from scripts/gpu/package.sh.
#
#   scripts/gpu/check.sh [--device cuda] [--out DIR] [--train 5120] [--epochs 3] [--rounds 3] [--iters 10] [--batch 128]
#
# Steps, each logged and timed, the later ones run even when one fails (the summary lists failures):
#   1. build the shim against that PyTorch's libtorch (scripts/gpu/build-shim.sh), deat doctor
#   2. synthetic CIFAR-shaped data (scripts/gpu/synthetic_cifar.py)
#   3. deat train: M+DEAT, PreActResNet-18, on the device; deat eval (PGD-20) on the device
#   4. deat predict on the device and on the CPU, and PyTorch (CPU) on the same checkpoint: the
#      largest logit differences, which must stay under 1e-3
#   5. deat bench throughput: fp32, channels-last, channels-last + bf16, each against PyTorch eager
# DIR (default: runs/gpu-check) gets one log per step, eval.json and, at the end, check-logs.tar.gz
# holding them all: the device tool brings back at most 8 files, so copy that one into $OUT.
# On a machine without a GPU, `--device cpu --train 640 --epochs 1 --rounds 1 --iters 1 --batch 16`
# runs the same steps small (with Debian's libtorch and /usr/bin/python3).
set -uo pipefail
cd "$(dirname "$0")/../.."

device=cuda out=runs/gpu-check train=5120 epochs=3 rounds=3 iters=10 batch=128
while [ $# -gt 0 ]; do
    case "$1" in
        --device) device=$2; shift 2 ;;
        --out) out=$2; shift 2 ;;
        --train) train=$2; shift 2 ;;
        --epochs) epochs=$2; shift 2 ;;
        --rounds) rounds=$2; shift 2 ;;
        --iters) iters=$2; shift 2 ;;
        --batch) batch=$2; shift 2 ;;
        *) echo "error: unknown option $1 (see the comment at the top of scripts/gpu/check.sh)" >&2; exit 2 ;;
    esac
done
mkdir -p "$out"
out=$(cd "$out" && pwd)
work=$(mktemp -d)
trap 'rm -rf "$work"' EXIT

# The Python whose torch the shim is built against is also the peer and the oracle.
python=""
for p in python3 /usr/bin/python3; do
    if command -v "$p" >/dev/null && "$p" -c 'import torch' 2>/dev/null; then python=$(command -v "$p"); break; fi
done
[ -n "$python" ] || { echo "error: no python3 with torch on this machine" >&2; exit 1; }
threads=$(nproc)

failed=()
step() {  # step NAME COMMAND…: runs, logs to $out/NAME.log, and records a failure instead of stopping
    local name=$1; shift
    local start=$SECONDS
    echo "== $name: $*"
    "$@" > "$out/$name.log" 2>&1
    local status=$?
    tail -n 25 "$out/$name.log"
    echo "== $name: exit $status after $((SECONDS - start)) s"
    [ $status -eq 0 ] || failed+=("$name")
    return $status
}

if [ ! -f dist/deat ] && [ -f dist/deat.xz ]; then  # xz, or Python's lzma where xz is not installed
    xz -dk dist/deat.xz 2>/dev/null || "$python" -c 'import lzma, shutil; shutil.copyfileobj(lzma.open("dist/deat.xz"), open("dist/deat", "wb"))'
fi
chmod +x dist/deat 2>/dev/null || { echo "error: dist/deat missing: run scripts/gpu/package.sh first" >&2; exit 1; }
[ "$device" = cpu ] && libtorch=/usr || libtorch=$("$python" -c 'import os, torch; print(os.path.dirname(torch.__file__))')
command -v nvidia-smi >/dev/null && nvidia-smi -L
"$python" -c 'import torch; print("torch", torch.__version__, "cuda", torch.version.cuda, torch.cuda.is_available())'

step shim scripts/gpu/build-shim.sh --out dist --libtorch "$libtorch" || { echo "the shim did not build; nothing else can run" >&2; exit 1; }
step doctor dist/deat doctor --device "$device" --threads "$threads"
step data "$python" scripts/gpu/synthetic_cifar.py --out "$work/cifar" --train "$train" --test 1024 \
    --images-safetensors "$work/x.safetensors" --first 256

run="$work/run"  # the checkpoints stay out of DIR: only logs and reports go there
step train dist/deat train --dataset cifar10 --data-dir "$work/cifar" --model preact-resnet18 --method mplus-deat \
    --epochs "$epochs" --validation-size 256 --device "$device" --threads "$threads" --out "$run"
step eval dist/deat eval "$run/model.safetensors" --dataset cifar10 --data-dir "$work/cifar" --n 512 \
    --attacks pgd-20 --device "$device" --threads "$threads" --report "$out/eval.json"

# The checkpoint written on the device, read back on the device and on the CPU, and by PyTorch.
step predict-device dist/deat predict "$run/model.safetensors" --input "$work/x.safetensors" \
    --output "$work/logits-device.safetensors" --device "$device" --threads "$threads"
step predict-cpu dist/deat predict "$run/model.safetensors" --input "$work/x.safetensors" \
    --output "$work/logits-cpu.safetensors" --device cpu --threads "$threads"
step pytorch-cpu "$python" scripts/interop/check_model.py forward --weights "$run/model.safetensors" \
    --input "$work/x.safetensors" --output "$work/logits-torch.safetensors"
step logits "$python" - "$work" <<'EOF'
import sys
sys.path.insert(0, "scripts/interop")
import safetensors_io
w = sys.argv[1]
load = lambda name: safetensors_io.load(f"{w}/logits-{name}.safetensors")[0]["logits"].double()
device, cpu, torch_cpu = load("device"), load("cpu"), load("torch")
worst = {"deat device vs deat cpu": (device - cpu).abs().max().item(),
         "deat device vs PyTorch cpu": (device - torch_cpu).abs().max().item(),
         "deat cpu vs PyTorch cpu": (cpu - torch_cpu).abs().max().item()}
for k, v in worst.items():
    print(f"{k}: max |logit difference| {v:.2e} over {tuple(device.shape)}")
agree = (device.argmax(1) == torch_cpu.argmax(1)).double().mean().item()
print(f"predictions agree on {agree * 100:.1f}% of the points")
sys.exit(0 if max(worst.values()) < 1e-3 else 1)
EOF

bench() { dist/deat bench throughput --device "$device" --threads "$threads" --python "$python" --rounds "$rounds" --iters "$iters" --batch "$batch" "$@"; }
step bench-fp32 bench
step bench-channels-last bench --channels-last
step bench-channels-last-bf16 bench --channels-last --autocast bf16

echo "== summary: ${#failed[@]} failed step(s)${failed[*]:+: ${failed[*]}}; logs in $out"
tar -czf "$work/check-logs.tar.gz" -C "$out" --exclude=check-logs.tar.gz . && mv "$work/check-logs.tar.gz" "$out/"
[ ${#failed[@]} -eq 0 ]
