#!/usr/bin/python3
"""PyTorch peer of `deat-bench step` and `deat-bench ops`: the same work, the same libtorch, the same
thread count. Prints one JSON line. Run by deat-bench (Sources/DeatBench), or by hand:

    /usr/bin/python3 scripts/bench/step.py step --threads 2 --batch 128 --iters 30 [--model preact-resnet18]
    /usr/bin/python3 scripts/bench/step.py ops --threads 1 --count 10000
"""
import argparse
import json
import os
import sys
import time

import torch
import torch.nn.functional as F

sys.path.insert(0, os.path.dirname(__file__))
import models  # noqa: E402


def bench_step(args):
    torch.manual_seed(0)
    small = args.model == "small-cnn"
    model = models.build(args.model, 10, [0.2860] if small else None, [0.3530] if small else None)
    opt = torch.optim.SGD(model.parameters(), lr=0.01, momentum=0.9)
    x = torch.rand(args.batch, 1, 28, 28) if small else torch.rand(args.batch, 3, 32, 32)
    y = torch.randint(0, 10, (args.batch,))

    def step():
        loss = F.cross_entropy(model(x), y)
        opt.zero_grad(set_to_none=True)
        loss.backward()
        opt.step()
        return loss

    for _ in range(args.warmup):
        step()
    times = []
    for _ in range(args.iters):
        start = time.perf_counter()
        step().item()
        times.append(time.perf_counter() - start)
    return {"seconds_per_step": sorted(times)[len(times) // 2], "steps": args.iters}


def bench_ops(args):
    a, b = torch.ones(1), torch.ones(1)
    for _ in range(1000):
        a + b
    best = float("inf")
    for _ in range(args.repeats):
        start = time.perf_counter()
        for _ in range(args.count):
            a + b
        best = min(best, (time.perf_counter() - start) / args.count)
    return {"seconds_per_op": best, "ops": args.count}


def main():
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("what", choices=["step", "ops"])
    parser.add_argument("--threads", type=int, required=True, help="libtorch intra-op threads (set explicitly)")
    parser.add_argument("--model", default="small-cnn")
    parser.add_argument("--batch", type=int, default=128)
    parser.add_argument("--iters", type=int, default=30)
    parser.add_argument("--warmup", type=int, default=5)
    parser.add_argument("--count", type=int, default=10000)
    parser.add_argument("--repeats", type=int, default=5)
    args = parser.parse_args()
    torch.set_num_threads(args.threads)
    result = bench_step(args) if args.what == "step" else bench_ops(args)
    result.update({"torch": torch.__version__, "threads": torch.get_num_threads()})
    print(json.dumps(result))


if __name__ == "__main__":
    main()
