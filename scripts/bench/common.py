"""What every PyTorch peer of `deat bench` shares: the command line (an explicit --threads, the model
and timing options), the timing loop, deat's file formats read without deat (safetensors, IDX), and
the result, printed as one JSON object on the last line of standard output, which deat's PeerRunner
(Sources/Benchmarks/PeerRunner.swift) reads. Errors go to standard error; deat shows their last line.
"""
import argparse
import gzip
import json
import os
import resource
import struct
import sys
import time

import torch

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
import models  # noqa: E402

FASHION_MNIST = "/usr/share/datasets/fashion-mnist"


def parser(doc, model=None, batch=None, iters=None, warmup=None):
    """An argument parser with the required --threads and, when given a default, --model, --batch,
    --iters and --warmup (the options deat passes on unchanged)."""
    p = argparse.ArgumentParser(description=doc.splitlines()[0])
    p.add_argument("--threads", type=int, required=True, help="libtorch intra-op threads (set explicitly)")
    for name, default in (("--model", model), ("--batch", batch), ("--iters", iters), ("--warmup", warmup)):
        if default is not None:
            p.add_argument(name, type=type(default), default=default)
    return p


def parse(p):
    """Parses the command line and sets libtorch's thread count from it."""
    args = p.parse_args()
    torch.set_num_threads(args.threads)
    return args


def emit(result):
    """Prints the result as the last line of standard output, with the torch version, threads and
    this process's peak resident memory (ru_maxrss, KiB on Linux; deat's side reports the same,
    Sources/Benchmarks/ResidentMemory.swift)."""
    peak = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss
    result.update({"torch": torch.__version__, "threads": torch.get_num_threads(), "peak_rss_kib": peak})
    print(json.dumps(result))


def median(values):
    return sorted(values)[len(values) // 2]


def timed(call, iters, warmup, sync=lambda: None):
    """Median seconds per call after `warmup` untimed calls; `sync` runs before each clock read."""
    for _ in range(warmup):
        call()
    times = []
    for _ in range(iters):
        sync()
        start = time.perf_counter()
        call()
        sync()
        times.append(time.perf_counter() - start)
    return median(times)


def random_model_batch(name, batch, device="cpu", generator=None):
    """deat's benchmark setup: the model from seed 0 (Fashion-MNIST normalisation for small-cnn,
    CIFAR-10's otherwise) and a random batch of 1x28x28 or 3x32x32 images with labels 0..9."""
    torch.manual_seed(0)
    small = name == "small-cnn"
    model = models.build(name, 10, [0.2860] if small else None, [0.3530] if small else None).to(device)
    shape = (batch, 1, 28, 28) if small else (batch, 3, 32, 32)
    x = torch.rand(shape, generator=generator, device=device)
    y = torch.randint(0, 10, (batch,), generator=generator, device=device)
    return model, x, y


def read_safetensors(path):
    """The tensors of a safetensors file written by deat, read with numpy only."""
    import numpy as np  # here, so that the peers without files (step, throughput) run without numpy
    raw = open(path, "rb").read()
    (size,) = struct.unpack("<Q", raw[:8])
    header = json.loads(raw[8:8 + size])
    body = raw[8 + size:]
    out = {}
    for name, info in header.items():
        if name == "__metadata__":
            continue
        dtype = {"F32": np.float32, "I64": np.int64, "F64": np.float64}[info["dtype"]]
        start, end = info["data_offsets"]
        out[name] = torch.from_numpy(np.frombuffer(body[start:end], dtype=dtype).reshape(info["shape"]).copy())
    return out


def idx(path):
    """A gzipped IDX file (MNIST, Fashion-MNIST) as a uint8 array."""
    import numpy as np
    data = gzip.open(path).read()
    dims = data[3]
    shape = struct.unpack(">" + "I" * dims, data[4:4 + 4 * dims])
    return np.frombuffer(data[4 + 4 * dims:], dtype=np.uint8).reshape(shape)


def fashion_mnist(data_dir, split, first):
    """The first `first` images (float in [0, 1], N x 1 x 28 x 28) and labels (int64) of a split."""
    import numpy as np
    prefix = "train" if split == "train" else "t10k"
    x = torch.from_numpy(idx(f"{data_dir}/{prefix}-images-idx3-ubyte.gz")[:first].astype(np.float32) / 255).unsqueeze(1)
    y = torch.from_numpy(idx(f"{data_dir}/{prefix}-labels-idx1-ubyte.gz")[:first].astype(np.int64))
    return x, y
