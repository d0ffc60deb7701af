#!/usr/bin/env bash
# scripts/bench/parallel.sh: data-parallel throughput, what `deat train --nproc-per-node` gains over
# intra-op threads on the same cores (deat-only, no PyTorch peer). Trains SmallCNN on a Fashion-MNIST
# subset with FREE-4 (a fixed replay count, so every epoch does the same work) as
#   1 process × 1 thread, batch 128        the baseline
#   1 process × 2 threads, batch 128       intra-op parallelism instead
#   2 processes × 1 thread, batch 64 each  the same global batch and updates as the baseline
#   2 processes × 1 thread, batch 128 each twice the global batch
# and prints training images/s of the last epoch (the first one warms up), read from log.jsonl.
# Usage: scripts/bench/parallel.sh [--subset 8192] [--epochs 2] [--deat .build/release/deat]
set -euo pipefail
cd "$(dirname "$0")/../.."
subset=8192 epochs=2 deat=.build/release/deat
while [ $# -gt 0 ]; do
    case "$1" in
        --subset) subset=$2; shift 2 ;;
        --epochs) epochs=$2; shift 2 ;;
        --deat) deat=$2; shift 2 ;;
        *) echo "error: unknown option $1 (expected --subset, --epochs, --deat)" >&2; exit 2 ;;
    esac
done
[ -x "$deat" ] || { echo "error: $deat not found; build it with: swift build -c release --product deat" >&2; exit 1; }
work=$(mktemp -d)
trap 'rm -rf "$work"' EXIT

run() {  # name, extra arguments…
    local name=$1; shift
    "$deat" train --method free --iterations 4 --train-subset "$subset" --epochs "$epochs" --validation-size 0 \
        --checkpoint-minutes 1000 --out "$work/$name" "$@" > /dev/null 2>&1
    tail -1 "$work/$name/log.jsonl" | sed -E 's/.*"seconds":([0-9.eE+-]+).*/\1/' |
        awk -v name="$name" -v n="$subset" '{ printf "%-34s %8.1f s %10.0f img/s\n", name, $1, n / $1 }'
}

echo "FREE-4, SmallCNN, $subset Fashion-MNIST images, last of $epochs epochs ($(nproc) cores)"
run "1 process x 1 thread, batch 128" --threads 1 --batch-size 128
run "1 process x 2 threads, batch 128" --threads 2 --batch-size 128
run "2 processes x 1 thread, batch 64" --nproc-per-node 2 --threads 1 --batch-size 64
run "2 processes x 1 thread, batch 128" --nproc-per-node 2 --threads 1 --batch-size 128
