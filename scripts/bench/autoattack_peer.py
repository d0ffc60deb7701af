#!/usr/bin/python3
"""Reference peer of `deat bench attacks --autoattack --reference DIR`: AutoAttack standard (L-inf)
from the reference implementation (fra31/auto-attack, a checkout at DIR, not part of deat) on the
first N Fashion-MNIST test points, for a SmallCNN checkpoint written by deat, timed stage by stage.

Each stage runs through the reference's own entry point, `AutoAttack.run_standard_evaluation`, with
version='standard' (its parameters: APGD-CE and APGD-T 100 iterations, 9 target classes, FAB-T,
Square 5000 queries) and attacks_to_run set to that one stage, on the points still robust after the
previous one, which is what one standard run does internally; this way the time of each stage is
measured without parsing the reference's log. The only work added is the reference's own checks
(a few forward passes on one batch) before each stage.

    /usr/bin/python3 scripts/bench/autoattack_peer.py MODEL.safetensors --reference DIR --n 200 \
        --batch-size 250 --threads 2

Prints one JSON line: {"stages": [{"name", "seconds", "points", "robust_after"}], "clean": count, "n": n, ...}.
"""
import io
import contextlib
import os
import sys
import time

import torch

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
import common  # noqa: E402
from models import SmallCNN  # noqa: E402

# AutoAttack standard's stages in order; deat names them the same (Sources/Attacks/AutoAttack.swift).
STAGES = ["apgd-ce", "apgd-t", "fab-t", "square"]


def main():
    p = common.parser(__doc__)
    p.add_argument("model")
    p.add_argument("--reference", required=True, help="a checkout of fra31/auto-attack (the directory holding autoattack/)")
    p.add_argument("--data-dir", default=common.FASHION_MNIST)
    p.add_argument("--n", type=int, default=200)
    p.add_argument("--batch-size", type=int, default=250)
    p.add_argument("--eps", type=float, default=0.1)
    p.add_argument("--seed", type=int, default=0)
    a = common.parse(p)
    if not os.path.isfile(os.path.join(a.reference, "autoattack", "autoattack.py")):
        sys.exit(f"{a.reference} is not a checkout of fra31/auto-attack (no autoattack/autoattack.py in it)")
    sys.path.insert(0, a.reference)
    from autoattack import AutoAttack  # noqa: E402

    model = SmallCNN()
    model.load_state_dict(common.read_safetensors(a.model))
    model.eval()
    x, y = common.fashion_mnist(a.data_dir, "test", a.n)
    adversary = AutoAttack(model, norm="Linf", eps=a.eps, version="standard", seed=a.seed, device="cpu", verbose=False)

    with torch.no_grad():
        robust = model(x).argmax(1) == y
    clean = int(robust.sum())
    stages = []
    for name in STAGES:
        index = torch.nonzero(robust).flatten()
        points = len(index)
        if points == 0:
            stages.append({"name": name, "seconds": 0.0, "points": 0, "robust_after": 0})
            continue
        adversary.attacks_to_run = [name]
        start = time.perf_counter()
        with contextlib.redirect_stdout(io.StringIO()):  # the reference prints its checks' warnings
            adversarial = adversary.run_standard_evaluation(x[index], y[index], bs=a.batch_size)
        seconds = time.perf_counter() - start
        with torch.no_grad():
            broken = torch.cat([model(adversarial[s:s + a.batch_size]).argmax(1) for s in range(0, points, a.batch_size)]) != y[index]
        robust[index[broken]] = False
        stages.append({"name": name, "seconds": seconds, "points": points, "robust_after": int(robust.sum())})
    common.emit({"stages": stages, "clean": clean, "robust": int(robust.sum()), "n": a.n})


if __name__ == "__main__":
    main()
