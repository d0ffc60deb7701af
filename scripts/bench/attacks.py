#!/usr/bin/python3
"""PyTorch peer of deat's attack benchmark: PGD-20 (L-inf, random start, step eps/4, CE, the same
bookkeeping as deat: any misclassified iterate counts) on the first N Fashion-MNIST test points, for a
SmallCNN checkpoint written by deat (safetensors, read here with numpy only).

    /usr/bin/python3 scripts/bench/attacks.py MODEL.safetensors --n 1000 --batch-size 250 --threads 2

Prints one JSON line: {"seconds": wall, "robust": count, "clean": count, "n": n}.
"""
import argparse
import gzip
import json
import struct
import sys
import time

import numpy as np
import torch

sys.path.insert(0, __file__.rsplit("/", 1)[0])
from models import SmallCNN  # noqa: E402


def read_safetensors(path):
    raw = open(path, "rb").read()
    (size,) = struct.unpack("<Q", raw[:8])
    header = json.loads(raw[8:8 + size])
    body = raw[8 + size:]
    out = {}
    for name, info in header.items():
        if name == "__metadata__":
            continue
        dtype = {"F32": np.float32, "I64": np.int64, "F64": np.float64}[info["dtype"]]
        start, end = info["data_offsets"]
        out[name] = torch.from_numpy(np.frombuffer(body[start:end], dtype=dtype).reshape(info["shape"]).copy())
    return out


def idx(path):
    data = gzip.open(path).read()
    dims = data[3]
    shape = struct.unpack(">" + "I" * dims, data[4:4 + 4 * dims])
    return np.frombuffer(data[4 + 4 * dims:], dtype=np.uint8).reshape(shape)


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
    p = argparse.ArgumentParser()
    p.add_argument("model")
    p.add_argument("--data-dir", default="/usr/share/datasets/fashion-mnist")
    p.add_argument("--n", type=int, default=1000)
    p.add_argument("--batch-size", type=int, default=250)
    p.add_argument("--eps", type=float, default=0.1)
    p.add_argument("--threads", type=int, default=2)
    a = p.parse_args()
    torch.set_num_threads(a.threads)
    model = SmallCNN()
    model.load_state_dict(read_safetensors(a.model))
    model.eval()
    x = torch.from_numpy(idx(f"{a.data_dir}/t10k-images-idx3-ubyte.gz")[: a.n].astype(np.float32) / 255).unsqueeze(1)
    y = torch.from_numpy(idx(f"{a.data_dir}/t10k-labels-idx1-ubyte.gz")[: a.n].astype(np.int64))
    gen = torch.Generator().manual_seed(0)
    start = time.perf_counter()
    with torch.no_grad():
        clean = model(x).argmax(1) == y
    robust = clean.clone()
    for s in range(0, a.n, a.batch_size):
        idxs = torch.nonzero(clean[s:s + a.batch_size]).flatten() + s
        if len(idxs):
            robust[idxs] &= ~pgd(model, x[idxs], y[idxs], a.eps, a.eps / 4, 20, gen)
    print(json.dumps({"seconds": time.perf_counter() - start, "robust": int(robust.sum()), "clean": int(clean.sum()), "n": a.n}))


if __name__ == "__main__":
    main()
