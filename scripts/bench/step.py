#!/usr/bin/python3
"""PyTorch peer of `deat bench step` and `deat bench ops`: the same work, the same libtorch, the same
thread count. Prints one JSON line. Run by deat (Sources/Benchmarks/StepBenchmark.swift), or by hand:

    /usr/bin/python3 scripts/bench/step.py step --threads 2 --batch 128 --iters 30 [--model preact-resnet18]
    /usr/bin/python3 scripts/bench/step.py ops --threads 1 --count 10000
"""
import os
import sys
import time

import torch
import torch.nn.functional as F

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
import common  # noqa: E402


def bench_step(args):
    model, x, y = common.random_model_batch(args.model, args.batch)
    opt = torch.optim.SGD(model.parameters(), lr=0.01, momentum=0.9)

    def step():
        loss = F.cross_entropy(model(x), y)
        opt.zero_grad(set_to_none=True)
        loss.backward()
        opt.step()
        return loss

    seconds = common.timed(lambda: step().item(), args.iters, args.warmup)
    return {"seconds_per_step": seconds, "steps": args.iters}


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
    parser = common.parser(__doc__, model="small-cnn", batch=128, iters=30, warmup=5)
    parser.add_argument("what", choices=["step", "ops"])
    parser.add_argument("--count", type=int, default=10000)
    parser.add_argument("--repeats", type=int, default=5)
    args = common.parse(parser)
    common.emit(bench_step(args) if args.what == "step" else bench_ops(args))


if __name__ == "__main__":
    main()
