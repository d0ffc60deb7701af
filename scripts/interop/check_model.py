#!/usr/bin/python3
"""deat ↔ PyTorch checkpoint interchange, driven by deat's tests (Tests/NNTests/InteropTests.swift).

  forward  --weights W --input X --output Y : load deat's W into the PyTorch twin (strict=True), eval,
                                              write logits of X to Y
  export   --model M --seed S --input X --weights W --output Y : build the PyTorch twin, run a few
                                              train-mode batches (so BatchNorm statistics move), save W,
                                              write eval logits of X to Y
"""
import argparse
import os
import sys

import torch

sys.path.insert(0, os.path.join(os.path.dirname(__file__), "..", "bench"))
import models  # noqa: E402
import safetensors_io  # noqa: E402


def floats(text):
    return [float(v) for v in text.split(",")]


def main():
    p = argparse.ArgumentParser()
    p.add_argument("action", choices=["forward", "export"])
    p.add_argument("--weights", required=True)
    p.add_argument("--input", required=True)
    p.add_argument("--output", required=True)
    p.add_argument("--model")
    p.add_argument("--classes", type=int, default=10)
    p.add_argument("--mean")
    p.add_argument("--std")
    p.add_argument("--seed", type=int, default=0)
    args = p.parse_args()
    torch.set_num_threads(1)
    x = safetensors_io.load(args.input)[0]["x"]
    if args.action == "forward":
        state, meta = safetensors_io.load(args.weights)
        model = models.build(meta["model"], int(meta.get("classes", 10)), floats(meta["normalize_mean"]), floats(meta["normalize_std"]))
        model.load_state_dict(state, strict=True)
    else:
        torch.manual_seed(args.seed)
        model = models.build(args.model, args.classes, floats(args.mean), floats(args.std))
        model.train()
        with torch.no_grad():
            for _ in range(3):
                model(torch.rand_like(x))
        safetensors_io.save(model.state_dict(), args.weights, {"model": args.model, "classes": str(args.classes),
                                                               "normalize_mean": args.mean, "normalize_std": args.std})
    model.eval()
    with torch.no_grad():
        logits = model(x)
    safetensors_io.save({"logits": logits}, args.output)


if __name__ == "__main__":
    main()
