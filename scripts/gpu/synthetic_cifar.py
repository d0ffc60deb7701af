#!/usr/bin/env python3
"""Writes a synthetic CIFAR-10 in the binary format (cifar-10-batches-bin/: data_batch_1..5.bin,
test_batch.bin; each record one label byte and 3072 pixel bytes, R then G then B planes) for runs on
machines without the real data, such as the GPU machine. Each class has its own colour tint under
uniform noise, so a model can learn it and accuracies move. Python's standard library only.

    python3 scripts/gpu/synthetic_cifar.py --out DIR [--train 5120] [--test 1024] [--seed 0]
    python3 scripts/gpu/synthetic_cifar.py --out DIR --images-safetensors X.safetensors --first 256
        (also writes the first N test images as float32 [N, 3, 32, 32] in [0, 1], tensor "x",
        for `deat predict` and scripts/interop/check_model.py)
"""
import argparse
import json
import os
import random
import struct


def records(count, rng):
    out = bytearray()
    for _ in range(count):
        label = rng.randrange(10)
        tint = [(label * 37 + 60 * c) % 256 for c in range(3)]
        out.append(label)
        for c in range(3):
            noise = rng.randbytes(1024)
            out += bytes((tint[c] + b) // 2 for b in noise)
    return bytes(out)


def write_images(test_path, first, path):
    raw = open(test_path, "rb").read()
    n = min(first, len(raw) // 3073)
    floats = bytearray()
    for i in range(n):
        pixels = raw[i * 3073 + 1:(i + 1) * 3073]
        floats += struct.pack(f"<{len(pixels)}f", *(p / 255 for p in pixels))
    header = json.dumps({"x": {"dtype": "F32", "shape": [n, 3, 32, 32], "data_offsets": [0, len(floats)]}}).encode()
    header += b" " * (-len(header) % 8)
    with open(path, "wb") as f:
        f.write(struct.pack("<Q", len(header)) + header + floats)


def main():
    p = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    p.add_argument("--out", required=True)
    p.add_argument("--train", type=int, default=5120, help="training images in all (split over 5 batches)")
    p.add_argument("--test", type=int, default=1024)
    p.add_argument("--seed", type=int, default=0)
    p.add_argument("--images-safetensors")
    p.add_argument("--first", type=int, default=256)
    a = p.parse_args()
    rng = random.Random(a.seed)
    folder = os.path.join(a.out, "cifar-10-batches-bin")
    os.makedirs(folder, exist_ok=True)
    per_batch = a.train // 5
    for i in range(1, 6):
        with open(os.path.join(folder, f"data_batch_{i}.bin"), "wb") as f:
            f.write(records(per_batch, rng))
    test = os.path.join(folder, "test_batch.bin")
    with open(test, "wb") as f:
        f.write(records(a.test, rng))
    if a.images_safetensors:
        write_images(test, a.first, a.images_safetensors)
    print(f"{folder}: {per_batch * 5} training and {a.test} test images")


if __name__ == "__main__":
    main()
