#!/usr/bin/python3
"""deat's ResNet-18/50 ↔ torchvision's, driven by deat's tests (Tests/NNTests/ResNetInteropTests.swift).
The models are torchvision's own, `torchvision.models.resnetNN(num_classes=N)`; deat normalises inside
its model, so the input is normalised here with the checkpoint's mean/std before the forward pass.
torchvision's stem takes 3 channels; a deat checkpoint of grey images (MNIST, 1 channel) loads once
`conv1` is swapped for the same 7×7/2 conv on 1 channel, as torchvision users do, names unchanged.

  forward --weights W --input X --output Y : load deat's W (metadata: model, classes, normalize_mean/std)
                                             into torchvision's model with strict=True, eval, write the
                                             logits of X to Y
  export  --model resnet18 --classes N --seed S --size H --mean M --std S --weights W --input X --output Y
          [--names J] : torchvision's model from seed S, a few train-mode batches (BatchNorm statistics
                        move), its state_dict to W with deat's metadata, a random input [3, 3, H, H] to X,
                        its eval logits to Y, and its state_dict's [name, shape, dtype] in order to J
"""
import argparse
import json
import os
import sys

import torch
import torchvision

sys.path.insert(0, os.path.dirname(__file__))
import safetensors_io  # noqa: E402

DTYPES = {torch.float32: "float32", torch.int64: "int64"}


def floats(text):
    return [float(v) for v in text.split(",")]


def build(name, classes, channels=3):
    depth = name.lower().replace("-", "").removeprefix("resnet")
    if depth not in ("18", "50"):
        raise SystemExit(f"unknown model {name}: expected resnet18 or resnet50")
    model = getattr(torchvision.models, f"resnet{depth}")(num_classes=classes)
    if channels != 3:
        model.conv1 = torch.nn.Conv2d(channels, 64, kernel_size=7, stride=2, padding=3, bias=False)
    return model


def normalized(x, mean, std):
    return (x - torch.tensor(mean).view(1, -1, 1, 1)) / torch.tensor(std).view(1, -1, 1, 1)


def main():
    p = argparse.ArgumentParser()
    p.add_argument("action", choices=["forward", "export"])
    p.add_argument("--weights", required=True)
    p.add_argument("--input", required=True)
    p.add_argument("--output", required=True)
    p.add_argument("--names")
    p.add_argument("--model")
    p.add_argument("--classes", type=int, default=1000)
    p.add_argument("--size", type=int, default=64)
    p.add_argument("--mean")
    p.add_argument("--std")
    p.add_argument("--seed", type=int, default=0)
    args = p.parse_args()
    torch.set_num_threads(1)
    if args.action == "forward":
        state, meta = safetensors_io.load(args.weights)
        model = build(meta["model"], int(meta["classes"]), channels=state["conv1.weight"].shape[1])
        model.load_state_dict(state, strict=True)
        mean, std = floats(meta["normalize_mean"]), floats(meta["normalize_std"])
        x = safetensors_io.load(args.input)[0]["x"]
    else:
        torch.manual_seed(args.seed)
        model = build(args.model, args.classes)
        mean, std = floats(args.mean), floats(args.std)
        x = torch.rand(3, len(mean), args.size, args.size)
        model.train()
        with torch.no_grad():
            for _ in range(3):
                model(normalized(torch.rand(4, len(mean), args.size, args.size), mean, std))
        state = model.state_dict()
        safetensors_io.save(state, args.weights, {"model": args.model, "classes": str(args.classes),
                                                  "normalize_mean": args.mean, "normalize_std": args.std})
        safetensors_io.save({"x": x}, args.input)
        if args.names:
            with open(args.names, "w") as fh:
                json.dump([[k, list(v.shape), DTYPES[v.dtype]] for k, v in state.items()], fh)
    model.eval()
    with torch.no_grad():
        logits = model(normalized(x, mean, std))
    safetensors_io.save({"logits": logits}, args.output)


if __name__ == "__main__":
    main()
