#!/usr/bin/python3
"""TorchScript files for deat's tests (Tests/NNTests/ScriptedModelTests.swift), and the PyTorch side
of each check. Run with Debian's /usr/bin/python3 (torch 1.13, the libtorch deat links).

  make  --out M.pt --data D.safetensors : a small CNN with BatchNorm that normalises inside (the
        RobustBench input contract: [0, 1] NCHW in, logits out), scripted and saved; D holds an
        input x, labels y, the eval-mode logits of x, and, after one SGD step (lr 0.1, momentum 0.9,
        weight decay 5e-4) on CE(train-mode logits of x, y), the eval-mode logits again and the
        BatchNorm running mean.
  check --model M.pt --data D.safetensors : loads M with torch.jit.load and writes its eval-mode
        logits of D's x into D's file as "reloaded" (to test a file deat saved).
  forward --model M.pt --data D.safetensors : the same for any input file (Tests/DeatCLITests/
        TorchScriptCommandTests.swift), and the loaded module's state_dict names, in order, as
        the metadata entry "names" (comma-separated).
"""
import argparse
import os
import sys

import torch
import torch.nn as nn
import torch.nn.functional as F

sys.path.insert(0, os.path.dirname(__file__))
import safetensors_io  # noqa: E402


class SmallNet(nn.Module):
    def __init__(self):
        super().__init__()
        self.register_buffer("mean", torch.tensor([0.5]).view(1, 1, 1, 1))
        self.register_buffer("std", torch.tensor([0.25]).view(1, 1, 1, 1))
        self.conv = nn.Conv2d(1, 4, 3, padding=1)
        self.bn = nn.BatchNorm2d(4)
        self.fc = nn.Linear(4 * 4 * 4, 3)

    def forward(self, x):
        x = (x - self.mean) / self.std
        x = F.max_pool2d(F.relu(self.bn(self.conv(x))), 2)
        return self.fc(torch.flatten(x, 1))


def make(args):
    torch.manual_seed(5)
    model = torch.jit.script(SmallNet())
    model.save(args.out)
    x = torch.rand(6, 1, 8, 8)
    y = torch.tensor([0, 1, 2, 0, 1, 2])
    model.eval()
    with torch.no_grad():
        before = model(x)
    model.train()
    opt = torch.optim.SGD(model.parameters(), lr=0.1, momentum=0.9, weight_decay=5e-4)
    opt.zero_grad()
    F.cross_entropy(model(x), y).backward()
    opt.step()
    model.eval()
    with torch.no_grad():
        after = model(x)
    safetensors_io.save({"x": x, "y": y, "before": before, "after": after,
                         "running_mean": model.bn.running_mean.clone()}, args.data)


def check(args):
    tensors, _ = safetensors_io.load(args.data)
    model = torch.jit.load(args.model)
    model.eval()
    with torch.no_grad():
        tensors["reloaded"] = model(tensors["x"])
    names = ",".join(model.state_dict().keys())
    safetensors_io.save(tensors, args.data, {"names": names} if args.action == "forward" else None)


def main():
    p = argparse.ArgumentParser()
    p.add_argument("action", choices=["make", "check", "forward"])
    p.add_argument("--out")
    p.add_argument("--model")
    p.add_argument("--data", required=True)
    args = p.parse_args()
    torch.set_num_threads(1)
    make(args) if args.action == "make" else check(args)


if __name__ == "__main__":
    main()
