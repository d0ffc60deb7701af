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
import os
import sys

import torch
import torch.nn.functional as F

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
import common  # noqa: E402

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


def main():
    p = common.parser(__doc__, model="preact-resnet18", batch=128, iters=10, warmup=2)
    p.add_argument("--device", default="cpu")
    p.add_argument("--replays", type=int, default=8)
    p.add_argument("--pgd-steps", type=int, default=10)
    p.add_argument("--work", default="deat-replay,pgd-step")
    p.add_argument("--channels-last", action="store_true")
    p.add_argument("--autocast", choices=["bf16", "fp16"])
    a = common.parse(p)
    device = torch.device(a.device)
    gen = torch.Generator(device=device)
    gen.manual_seed(1)
    model, x, y = common.random_model_batch(a.model, a.batch, device, gen)
    small = a.model == "small-cnn"
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

    sync = torch.cuda.synchronize if device.type == "cuda" else (lambda: None)
    result = {"device": str(device)}
    for work in a.work.split(","):
        if work == "deat-replay":
            seconds = common.timed(region(lambda: deat_call(model, opt, x, y, a.replays, gen, sigma)), a.iters, a.warmup, sync)
            result["deat-replay"] = {"seconds_per_call": seconds, "images_per_call": a.batch * a.replays}
        elif work == "pgd-step":
            seconds = common.timed(region(lambda: pgd_call(model, x, y, a.pgd_steps, gen)), a.iters, a.warmup, sync)
            result["pgd-step"] = {"seconds_per_call": seconds, "images_per_call": a.batch * a.pgd_steps}
        else:
            sys.exit(f"error: unknown work {work} (expected deat-replay, pgd-step)")
    common.emit(result)


if __name__ == "__main__":
    main()
