#!/usr/bin/python3
"""TorchScript files for deat's tests, and the PyTorch side of each check. Run with Debian's
/usr/bin/python3 (torch 1.13, the libtorch deat links).

  make --kind script|trace --out M.pt --data D.safetensors : a small residual CNN with BatchNorm
        that normalises inside (the RobustBench input contract: [0, 1] NCHW in, logits out),
        scripted, or traced in eval mode as users are told to, and saved. D holds, for 24 images x
        and labels y (three minibatches of 8):
          eval, train         logits of x[:8] in eval mode and in train mode (a fresh copy), and
          train_running_mean  bn1.running_mean after that train-mode forward;
          free.<name>         every state_dict tensor after one epoch of FREE-2 over the three
                              minibatches in order (δ = 0 at each, step ε = 0.1, the signed step,
                              then the ε-ball, then [0, 1]; SGD lr 0.05, momentum 0.9, wd 5e-4;
                              train mode), and free_eval, the eval logits of x[:8] after it;
          pgd_robust          per point of x, 1 when PGD-20 at ε = 0.01 (zero start, step 2.5ε/20,
                              CE, in eval mode) misclassifies none of its iterates, else 0 (a
                              small ε, so that the untrained model keeps some points), and
                              clean_correct, 1 where the clean image is classified right;
        and the metadata "names": name:shape of every state_dict entry, in order.
  check --model M.pt --data D.safetensors : loads M with torch.jit.load and writes its eval-mode
        logits of D's x[:8] as "reloaded" (to test a file deat saved).
  forward --model M.pt --data D.safetensors : the same for all of D's x, and the loaded module's
        state_dict names as the metadata "names" (comma-separated)
        (Tests/DeatCLITests/TorchScriptCommandTests.swift).
"""
import argparse
import os
import sys

import torch
import torch.nn as nn
import torch.nn.functional as F

sys.path.insert(0, os.path.dirname(__file__))
import safetensors_io  # noqa: E402


EPS = 0.1


class Residual(nn.Module):
    def __init__(self, width):
        super().__init__()
        self.conv1 = nn.Conv2d(width, width, 3, padding=1, bias=False)
        self.bn1 = nn.BatchNorm2d(width)
        self.conv2 = nn.Conv2d(width, width, 3, padding=1, bias=False)
        self.bn2 = nn.BatchNorm2d(width)

    def forward(self, x):
        return F.relu(x + self.bn2(self.conv2(F.relu(self.bn1(self.conv1(x))))))


class SmallResNet(nn.Module):
    def __init__(self):
        super().__init__()
        self.register_buffer("mean", torch.tensor([0.5]).view(1, 1, 1, 1))
        self.register_buffer("std", torch.tensor([0.25]).view(1, 1, 1, 1))
        self.conv1 = nn.Conv2d(1, 4, 3, padding=1)
        self.bn1 = nn.BatchNorm2d(4)
        self.block = Residual(4)
        self.fc = nn.Linear(4, 3)

    def forward(self, x):
        x = F.relu(self.bn1(self.conv1((x - self.mean) / self.std)))
        x = F.adaptive_avg_pool2d(self.block(x), 1)
        return self.fc(torch.flatten(x, 1))


def free_epoch(model, x, y):
    """FREE-2 as deat's DEAT.free runs it, over minibatches of 8 in order."""
    model.train()
    opt = torch.optim.SGD(model.parameters(), lr=0.05, momentum=0.9, weight_decay=5e-4)
    for start in range(0, len(x), 8):
        xb, yb = x[start:start + 8], y[start:start + 8]
        delta = torch.zeros_like(xb)
        for _ in range(2):
            d = delta.detach().requires_grad_(True)
            loss = F.cross_entropy(model(xb + d), yb)
            opt.zero_grad()
            loss.backward()
            delta = torch.min(torch.max((d + EPS * d.grad.sign()).clamp(-EPS, EPS), -xb), 1 - xb).detach()
            opt.step()


PGD_EPS = 0.01


def pgd_robust(model, x, y, eps=PGD_EPS, steps=20):
    """Zero-start PGD with the union rule: a point is broken if any iterate is misclassified."""
    model.eval()
    alpha = 2.5 * eps / steps
    delta = torch.zeros_like(x)
    robust = torch.ones(len(x), dtype=torch.bool)
    for k in range(steps + 1):
        d = delta.detach().requires_grad_(True)
        logits = model(x + d)
        robust &= logits.argmax(1) == y
        if k == steps:
            break
        grad, = torch.autograd.grad(F.cross_entropy(logits, y), d)
        delta = torch.min(torch.max((d + alpha * grad.sign()).clamp(-eps, eps), -x), 1 - x).detach()
    return robust.float()


def make(args):
    torch.manual_seed(5)
    net = SmallResNet()
    x = torch.rand(24, 1, 8, 8)
    y = torch.randint(0, 3, (24,))
    if args.kind == "script":
        torch.jit.script(net).save(args.out)
    else:
        torch.jit.trace(net.eval(), x[:8]).save(args.out)
    fresh = lambda: torch.jit.load(args.out)
    out = {"x": x, "y": y}
    model = fresh()
    model.eval()
    with torch.no_grad():
        out["eval"] = model(x[:8])
    model = fresh()
    model.train()
    with torch.no_grad():
        out["train"] = model(x[:8])
    out["train_running_mean"] = model.bn1.running_mean.clone()
    model = fresh()
    free_epoch(model, x, y)
    for name, t in model.state_dict().items():
        out["free." + name] = t.clone()
    model.eval()
    with torch.no_grad():
        out["free_eval"] = model(x[:8])
    out["pgd_robust"] = pgd_robust(fresh(), x, y)
    with torch.no_grad():
        out["clean_correct"] = (fresh().eval()(x).argmax(1) == y).float()
    names = ",".join(f"{k}:{'x'.join(map(str, t.shape))}" for k, t in fresh().state_dict().items())
    safetensors_io.save(out, args.data, {"names": names})


def check(args):
    tensors, _ = safetensors_io.load(args.data)
    model = torch.jit.load(args.model)
    model.eval()
    x = tensors["x"] if args.action == "forward" else tensors["x"][:8]
    with torch.no_grad():
        tensors["reloaded"] = model(x)
    names = ",".join(model.state_dict().keys())
    safetensors_io.save(tensors, args.data, {"names": names} if args.action == "forward" else None)


def main():
    p = argparse.ArgumentParser()
    p.add_argument("action", choices=["make", "check", "forward"])
    p.add_argument("--out")
    p.add_argument("--kind", choices=["script", "trace"], default="script")
    p.add_argument("--model")
    p.add_argument("--data", required=True)
    args = p.parse_args()
    torch.set_num_threads(1)
    make(args) if args.action == "make" else check(args)


if __name__ == "__main__":
    main()
