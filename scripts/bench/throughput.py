#!/usr/bin/python3
"""PyTorch peer of `deat bench throughput`: images/s of one DEAT replay step and of one PGD attack
step in PyTorch eager, with the per-step work of deat's Sources/Training/Methods/DEAT.swift and
Sources/Attacks/PGD.swift, on the same device, batch, layout and precision. Prints one JSON line.

    python3 scripts/bench/throughput.py --device cuda --model preact-resnet18 --batch 128 --threads 16 \
        [--replays 8] [--pgd-steps 10] [--iters 10] [--warmup 2] [--channels-last] [--autocast bf16]

A "call" is one minibatch: r replays (each one forward, one backward, a signed delta step and an SGD
step) or one PGD-K attack (K forward/backward passes w.r.t. the input plus a final check). Its
images/s counts batch x r, or batch x K, images per call.
"""
import argparse
import json
import os
import sys
import time

import torch
import torch.nn.functional as F

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
import models  # noqa: E402

EPS, ALPHA, PGD_ALPHA = 8 / 255, 10 / 255, 2 / 255


def deat_call(model, opt, x, y, replays, gen, sigma):
    """DEAT.swift's step with a fixed r: delta ~ U(-eps, eps) clipped to the box, r replays."""
    model.train()
    lo, hi = -x, 1 - x
    delta = torch.max(torch.min(torch.empty_like(x).uniform_(-EPS, EPS, generator=gen), hi), lo)
    step = max(EPS / replays, ALPHA)
    for _ in range(replays):
        dv = delta.detach().requires_grad_(True)
        logits = model(x + dv)
        loss = F.cross_entropy(logits, y)
        opt.zero_grad(set_to_none=True)
        loss.backward()
        grad = dv.grad
        delta = torch.max(torch.min((dv.detach() + grad.sign() * step).clamp(-EPS, EPS), hi), lo)
        opt.step()
    # summarize(): loss, correct count and magnitude in one device->host read.
    correct = (logits.detach().argmax(1) == y).sum(dtype=torch.float32)
    return torch.stack([loss.detach().float(), correct, (grad * sigma).abs().sum(dtype=torch.float64).float()]).tolist()


def pgd_call(model, x, y, steps, gen):
    """PGD.swift's L-inf attack (CE, random start): every iterate is checked and a misclassified one kept."""
    model.eval()
    lo, hi = (x - EPS).clamp(min=0), (x + EPS).clamp(max=1)
    cur = torch.max(torch.min(x + torch.empty_like(x).uniform_(-EPS, EPS, generator=gen), hi), lo)
    found = torch.zeros(len(y), dtype=torch.bool, device=x.device)
    adversarial = x
    for _ in range(steps):
        cur.requires_grad_(True)
        z = model(cur)
        loss = F.cross_entropy(z, y, reduction="none")
        mis = z.argmax(1) != y
        adversarial = torch.where(mis.view(-1, 1, 1, 1), cur.detach(), adversarial)
        found |= mis
        (g,) = torch.autograd.grad(loss.sum(), [cur])
        cur = torch.max(torch.min(cur.detach() + PGD_ALPHA * g.sign(), hi), lo)
    with torch.no_grad():
        mis = model(cur).argmax(1) != y
        adversarial = torch.where(mis.view(-1, 1, 1, 1), cur, adversarial)
        found |= mis
    return torch.where(found.view(-1, 1, 1, 1), adversarial, cur)


def timed(call, device, iters, warmup):
    """Median seconds per call; CUDA is synchronised before each clock read."""
    for _ in range(warmup):
        call()
    sync = torch.cuda.synchronize if device.type == "cuda" else (lambda: None)
    times = []
    for _ in range(iters):
        sync()
        start = time.perf_counter()
        call()
        sync()
        times.append(time.perf_counter() - start)
    return sorted(times)[len(times) // 2]


def main():
    p = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    p.add_argument("--threads", type=int, required=True, help="libtorch intra-op threads (set explicitly)")
    p.add_argument("--device", default="cpu")
    p.add_argument("--model", default="preact-resnet18")
    p.add_argument("--batch", type=int, default=128)
    p.add_argument("--replays", type=int, default=8)
    p.add_argument("--pgd-steps", type=int, default=10)
    p.add_argument("--iters", type=int, default=10)
    p.add_argument("--warmup", type=int, default=2)
    p.add_argument("--work", default="deat-replay,pgd-step")
    p.add_argument("--channels-last", action="store_true")
    p.add_argument("--autocast", choices=["bf16", "fp16"])
    a = p.parse_args()
    torch.set_num_threads(a.threads)
    device = torch.device(a.device)
    torch.manual_seed(0)
    small = a.model == "small-cnn"
    model = models.build(a.model, 10, [0.2860] if small else None, [0.3530] if small else None).to(device)
    shape = (a.batch, 1, 28, 28) if small else (a.batch, 3, 32, 32)
    gen = torch.Generator(device=device)
    gen.manual_seed(1)
    x = torch.rand(shape, generator=gen, device=device)
    y = torch.randint(0, 10, (a.batch,), generator=gen, device=device)
    if a.channels_last:
        model = model.to(memory_format=torch.channels_last)
        x = x.contiguous(memory_format=torch.channels_last)
    opt = torch.optim.SGD(model.parameters(), lr=0.01, momentum=0.9, weight_decay=5e-4)
    sigma = torch.tensor([0.3530] if small else [0.2471, 0.2435, 0.2616], device=device).view(1, -1, 1, 1)
    dtype = {"bf16": torch.bfloat16, "fp16": torch.float16}.get(a.autocast)

    def region(body):
        if dtype is None:
            return body
        return lambda: torch.autocast(device_type=device.type, dtype=dtype)(body)()

    result = {"torch": torch.__version__, "threads": torch.get_num_threads(), "device": str(device)}
    for work in a.work.split(","):
        if work == "deat-replay":
            seconds = timed(region(lambda: deat_call(model, opt, x, y, a.replays, gen, sigma)), device, a.iters, a.warmup)
            result["deat-replay"] = {"seconds_per_call": seconds, "images_per_call": a.batch * a.replays}
        elif work == "pgd-step":
            seconds = timed(region(lambda: pgd_call(model, x, y, a.pgd_steps, gen)), device, a.iters, a.warmup)
            result["pgd-step"] = {"seconds_per_call": seconds, "images_per_call": a.batch * a.pgd_steps}
        else:
            sys.exit(f"error: unknown work {work} (expected deat-replay, pgd-step)")
    print(json.dumps(result))


if __name__ == "__main__":
    main()
