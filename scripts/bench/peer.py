#!/usr/bin/python3
"""PyTorch peer of `deat bench peer`: M+DEAT or FREE-m training of SmallCNN on Fashion-MNIST, then
PGD-20 on the first N test points, with per-batch work identical to Sources/Training/Methods/DEAT.swift
and the Trainer (its per-minibatch loss and accuracy bookkeeping included): delta ~ U(-eps, eps) then
clipBox (zero for FREE), alpha_r = max(eps/r, alpha), one backward per replay updating delta (signed
step, clipEps then clipBox) and the weights (SGD 0.9, wd 5e-4, lr 0.05 with x0.1 at T/2 and x0.01 at 4T/5 of the minibatches), the M+ rule on the last replay's
||dL/dx~||_1. Same initial weights (a deat safetensors file), and the same data order and delta draws:
both sides seed libtorch's CPU generator with deat's derived seeds. Prints one JSON line.

    /usr/bin/python3 scripts/bench/peer.py --method mplus-deat --initial init.safetensors --epochs 3 \
        --train-subset 10000 --n 1000 --threads 2 --seed 0
"""
import os
import sys
import time

import torch
import torch.nn.functional as F

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
import common  # noqa: E402
from attacks import pgd  # noqa: E402
from models import SmallCNN  # noqa: E402

MASK = (1 << 64) - 1


def derived_seed(seed, *parts):
    """Generator.derivedSeed (Sources/Torch/Generator.swift): splitmix64 over the seed and the parts."""
    def mix(v):
        z = (v + 0x9E3779B97F4A7C15) & MASK
        z = ((z ^ (z >> 30)) * 0xBF58476D1CE4E5B9) & MASK
        z = ((z ^ (z >> 27)) * 0x94D049BB133111EB) & MASK
        return z ^ (z >> 31)
    acc = mix(seed)
    for p in parts:
        acc = mix(acc ^ (p & MASK))
    return acc


def generator(seed):
    g = torch.Generator()
    g.manual_seed(seed)
    return g


class MPlus:
    """MPlusRule.swift for M+DEAT: r = 1, then 2 after epoch 0, reference after epoch 1, then the rule."""

    def __init__(self, gamma, maximum):
        self.gamma, self.maximum, self.count, self.reference, self.done = gamma, maximum, 1, None, 0

    def end_epoch(self, m):
        if self.done == 0:
            self.count = max(self.count, min(2, self.maximum))
        elif self.done == 1:
            self.reference = self.gamma * m
        elif self.count < self.maximum and m > self.reference:
            self.reference, self.count = self.gamma * m, self.count + 1
        self.done += 1


def main():
    parser = common.parser(__doc__)
    parser.add_argument("--method", required=True, help="mplus-deat or free-N")
    parser.add_argument("--initial", required=True)
    parser.add_argument("--epochs", type=int, default=3)
    parser.add_argument("--train-subset", type=int, default=10000)
    parser.add_argument("--n", type=int, default=1000)
    parser.add_argument("--seed", type=int, default=0)
    parser.add_argument("--data-dir", default=common.FASHION_MNIST)
    args = common.parse(parser)

    x_train, y_train = common.fashion_mnist(args.data_dir, "train", args.train_subset)
    x_test, y_test = common.fashion_mnist(args.data_dir, "test", args.n)

    model = SmallCNN()
    model.load_state_dict(common.read_safetensors(args.initial))
    model.train()
    eps, sigma, batch = 0.1, 0.3530, 128
    if args.method == "mplus-deat":
        policy, alpha, radius = MPlus(1.01, 8), 1.25 * eps, eps
    else:
        policy, alpha, radius = None, eps, 0.0
        fixed = int(args.method.split("-")[1])
    opt = torch.optim.SGD(model.parameters(), lr=0.05, momentum=0.9, weight_decay=5e-4)
    count = len(y_train)
    per_epoch = (count + batch - 1) // batch
    total = args.epochs * per_epoch
    milestones = [total // 2, total * 4 // 5]

    epoch_seconds, iterations, backward, loss_value = [], [], 0, 0.0
    for epoch in range(args.epochs):
        replays = policy.count if policy else fixed
        step = max(eps / replays, alpha)
        order = torch.randperm(count, generator=generator(derived_seed(args.seed, epoch, 1)))
        magnitude, loss_sum, correct = 0.0, 0.0, 0
        start = time.perf_counter()
        for b in range(per_epoch):
            index = order[b * batch:(b + 1) * batch]
            x, y = x_train[index], y_train[index]
            lr = 0.05 * 0.1 ** sum(m <= epoch * per_epoch + b for m in milestones)
            for group in opt.param_groups:
                group["lr"] = lr
            lo, hi = -x, 1 - x
            if radius > 0:
                g = generator(derived_seed(args.seed, epoch, b, 0x7A1))
                delta = torch.empty_like(x).uniform_(-radius, radius, generator=g)
            else:
                delta = torch.zeros_like(x)
            delta = torch.max(torch.min(delta, hi), lo)
            for _ in range(replays):
                dv = delta.detach().requires_grad_(True)
                logits = model(x + dv)
                loss = F.cross_entropy(logits, y)
                opt.zero_grad(set_to_none=True)
                loss.backward()
                grad = dv.grad
                delta = torch.max(torch.min((dv.detach() + grad.sign() * step).clamp(-eps, eps), hi), lo)
                opt.step()
            magnitude += float((grad * sigma).abs().sum(dtype=torch.float64))
            # The Trainer's per-minibatch bookkeeping (summarize in TrainingMethod.swift): the last
            # replay's loss and correct count, read back with the magnitude once per minibatch.
            loss_value = float(loss)
            loss_sum += loss_value * len(y)
            correct += int((logits.detach().argmax(1) == y).sum())
            backward += replays
        epoch_seconds.append(time.perf_counter() - start)
        iterations.append(replays)
        if policy:
            policy.end_epoch(magnitude)

    model.eval()
    started = time.perf_counter()
    clean = robust = 0
    for i, s in enumerate(range(0, args.n, 250)):
        x, y = x_test[s:s + 250], y_test[s:s + 250]
        with torch.no_grad():
            right = model(x).argmax(1) == y
        broken = pgd(model, x, y, eps, eps / 4, 20, generator(derived_seed(args.seed, 0, i)))
        clean += int(right.sum())
        robust += int((right & ~broken).sum())
    common.emit({
        "epoch_seconds": epoch_seconds, "iterations": iterations, "backward_passes": backward, "images_per_epoch": count,
        "train_loss": loss_value, "train_accuracy": correct / count, "clean": clean / args.n, "pgd20": robust / args.n,
        "eval_seconds": time.perf_counter() - started,
    })


if __name__ == "__main__":
    main()
