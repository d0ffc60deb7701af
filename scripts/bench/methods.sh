#!/usr/bin/env bash
# scripts/bench/methods.sh: the paper's comparison at equal epochs on Fashion-MNIST (SmallCNN):
# for each method, `deat train`, then `deat eval` with PGD-20 on the first N test points, and one
# Markdown table of wall time (training loop only, as the paper times it), backward passes, clean and
# PGD-20 accuracy. Finished runs are reused, so an interrupted benchmark continues where it stopped.
#
#   scripts/bench/methods.sh [EPOCHS] [TRAIN_SUBSET] [EVAL_N]      (defaults: 5 20000 1000)
#   METHODS="mplus-deat free" scripts/bench/methods.sh             (a subset of the methods)
set -euo pipefail
cd "$(dirname "$0")/../.."
epochs=${1:-5}
subset=${2:-20000}
n=${3:-1000}
methods=${METHODS:-"mplus-deat deat free:4 free:8 fgsm-rs pgd:7 mplus-pgd trades mplus-trades mart mplus-mart"}
deat=.build/release/deat
swift build -c release --product deat >&2
root=runs/bench-methods-e$epochs-n$subset
mkdir -p "$root"
rows=()
for spec in $methods; do
    method=${spec%%:*}
    iterations=${spec#*:}
    [ "$iterations" = "$spec" ] && iterations=""
    name=$method${iterations:+-$iterations}
    dir=$root/$name
    if [ -f "$dir/checkpoint.safetensors" ]; then
        $deat train --resume "$dir" >&2
    else
        $deat train --method "$method" ${iterations:+--iterations "$iterations"} --epochs "$epochs" \
            --train-subset "$subset" --out "$dir" >&2
    fi
    $deat eval "$dir/model.safetensors" --dataset fashion-mnist --eps 0.1 --n "$n" --attacks pgd-20 \
        --report "$dir/eval.json" >&2
    rows+=("$(/usr/bin/python3 - "$dir" "$name" <<'PY'
import json, sys
d, name = sys.argv[1], sys.argv[2]
last = [json.loads(l) for l in open(f"{d}/log.jsonl")][-1]
ev = json.load(open(f"{d}/eval.json"))
robust = ev.get("robust_accuracy", ev.get("robust"))
clean = ev.get("clean_accuracy", ev.get("clean"))
print(f"| {name} | {last['totalSeconds'] / 60:.2f} | {last['totalBackwardPasses']} | {100 * clean:.2f} | {100 * robust:.2f} |")
PY
)")
done
echo "Fashion-MNIST, SmallCNN, $epochs epochs on the first $subset training images, ε = 0.1; PGD-20 on the first $n test points"
echo
echo "| method | train min | backward passes | clean % | PGD-20 % |"
echo "|---|---|---|---|---|"
printf '%s\n' "${rows[@]}"
