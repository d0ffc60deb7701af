#!/usr/bin/python3
"""PyTorch peer of `deat bench attacks`: PGD-20 (L-inf, random start, step eps/4, CE, the same
bookkeeping as deat: any misclassified iterate counts) on the first N Fashion-MNIST test points, for a
SmallCNN checkpoint written by deat (safetensors, read here with numpy only).

    /usr/bin/python3 scripts/bench/attacks.py MODEL.safetensors --n 1000 --batch-size 250 --threads 2

Prints one JSON line: {"seconds": wall, "robust": count, "clean": count, "n": n, "torch", "threads"}.
"""
import os
import sys
import time

import torch

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
import common  # noqa: E402
from models import SmallCNN  # noqa: E402


def pgd(model, x, y, eps, alpha, steps, gen):
    lo, hi = (x - eps).clamp(min=0), (x + eps).clamp(max=1)
    cur = torch.max(torch.min(x + torch.empty_like(x).uniform_(-eps, eps, generator=gen), hi), lo)
    found = torch.zeros(len(y), dtype=torch.bool)
    for _ in range(steps):
        cur.requires_grad_(True)
        z = model(cur)
        found |= z.argmax(1) != y
        (g,) = torch.autograd.grad(torch.nn.functional.cross_entropy(z, y, reduction="sum"), [cur])
        cur = torch.max(torch.min(cur.detach() + alpha * g.sign(), hi), lo)
    with torch.no_grad():
        found |= model(cur).argmax(1) != y
    return found


def main():
    p = common.parser(__doc__)
    p.add_argument("model")
    p.add_argument("--data-dir", default=common.FASHION_MNIST)
    p.add_argument("--n", type=int, default=1000)
    p.add_argument("--batch-size", type=int, default=250)
    p.add_argument("--eps", type=float, default=0.1)
    a = common.parse(p)
    model = SmallCNN()
    model.load_state_dict(common.read_safetensors(a.model))
    model.eval()
    x, y = common.fashion_mnist(a.data_dir, "test", a.n)
    gen = torch.Generator().manual_seed(0)
    start = time.perf_counter()
    with torch.no_grad():
        clean = model(x).argmax(1) == y
    robust = clean.clone()
    for s in range(0, a.n, a.batch_size):
        idxs = torch.nonzero(clean[s:s + a.batch_size]).flatten() + s
        if len(idxs):
            robust[idxs] &= ~pgd(model, x[idxs], y[idxs], a.eps, a.eps / 4, 20, gen)
    common.emit({"seconds": time.perf_counter() - start, "robust": int(robust.sum()), "clean": int(clean.sum()), "n": a.n})


if __name__ == "__main__":
    main()
