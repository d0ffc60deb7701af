#!/usr/bin/python3
"""TorchScript twin of one of deat's built-in models, for `deat bench torchscript`: the reference
PyTorch definition (models.py, the state_dict names deat uses) through torch.jit.script, saved to
--out. Prints one JSON line. Run by deat (Sources/Benchmarks/TorchScriptBenchmark.swift), or by hand:

    /usr/bin/python3 scripts/bench/export_torchscript.py --threads 1 --model preact-resnet18 --out pre.pt
"""
import os
import sys

import torch

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
import common  # noqa: E402


def main():
    parser = common.parser(__doc__, model="preact-resnet18")
    parser.add_argument("--out", required=True)
    args = common.parse(parser)
    model, _, _ = common.random_model_batch(args.model, 1)
    torch.jit.script(model).save(args.out)
    common.emit({"file": args.out, "parameters": sum(p.numel() for p in model.parameters())})


if __name__ == "__main__":
    main()
