#!/usr/bin/python3
"""torchvision's ImageFolder + DataLoader(num_workers) on an image folder: images/s of decode +
RandomResizedCrop(224) + RandomHorizontalFlip + ToTensor over one epoch, the peer of `deat bench
loader --folder DIR` (docs/benchmarks.md). With --make N it first writes N JPEGs of 500×375 (a
typical ImageNet size) into DIR/train/<10 classes>/, the folder both sides then read.

    /usr/bin/python3 scripts/bench/folder_loader.py --folder /tmp/jpegs --make 2000 --threads 1 --workers 2
"""
import os
import time

import numpy as np
import torch
import torchvision
from PIL import Image
from torchvision import transforms as T

import common


def make(folder, count):
    rng = np.random.default_rng(0)
    y, x = np.mgrid[0:375, 0:500]
    for i in range(count):
        path = os.path.join(folder, "train", f"class{i % 10}", f"{i:06d}.jpg")
        if os.path.exists(path):
            continue
        os.makedirs(os.path.dirname(path), exist_ok=True)
        base = np.stack([(x + 3 * i) % 256, (y + 5 * i) % 256, (x * y // 97 + i) % 256], axis=-1)
        noisy = np.clip(base + rng.integers(-20, 21, size=base.shape), 0, 255).astype(np.uint8)
        Image.fromarray(noisy).save(path, quality=90)


def main():
    p = common.parser(__doc__, batch=256)
    p.add_argument("--folder", required=True)
    p.add_argument("--workers", type=int, required=True)
    p.add_argument("--size", type=int, default=224)
    p.add_argument("--make", type=int, default=0)
    args = common.parse(p)
    if args.make:
        make(args.folder, args.make)
    transform = T.Compose([T.RandomResizedCrop(args.size), T.RandomHorizontalFlip(), T.ToTensor()])
    dataset = torchvision.datasets.ImageFolder(os.path.join(args.folder, "train"), transform=transform)
    loader = torch.utils.data.DataLoader(dataset, batch_size=args.batch, shuffle=True, num_workers=args.workers,
                                         persistent_workers=False)
    start = time.perf_counter()
    images = 0
    for x, _ in loader:
        images += x.shape[0]
    seconds = time.perf_counter() - start
    common.emit({"images": images, "seconds": seconds, "images_per_second": images / seconds, "workers": args.workers})


if __name__ == "__main__":
    main()
