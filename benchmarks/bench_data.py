"""Images per second of the full training transform (Mosaic + affine + MixUp + HSV + flip + letterbox).

    .venv/bin/python benchmarks/bench_data.py [--source synth|photos] [--size 640] [--n 200]

Measures yolox_edu's MosaicDataset in one process (1 torch thread) and through build_train_loader with
2 workers, and, when the official ``yolox`` is importable, its MosaicDetection + TrainTransform in one
process (OpenCV limited to 1 thread) on the same images. The CPU may be shared: say so with the numbers.
"""

from __future__ import annotations

import argparse
import time
from pathlib import Path

import numpy as np
import torch

from yolox_edu.data import CocoDataset, MosaicDataset, build_train_loader

ROOT = Path(__file__).resolve().parents[1] / "data_samples"
SOURCES = {"synth": (ROOT / "synth", "train"), "photos": (ROOT / "photos", "samples")}


def bench_ours(ds: CocoDataset, size: int, n: int) -> float:
    md = MosaicDataset(ds, (size, size), seed=0)
    md[0]
    start = time.perf_counter()
    for i in range(n):
        md[i % len(md)]
    return n / (time.perf_counter() - start)


def bench_loader(ds: CocoDataset, size: int, n: int, workers: int, batch: int = 8) -> float:
    loader = build_train_loader(MosaicDataset(ds, (size, size)), batch, num_workers=workers, seed=0,
                                multiscale=None)
    it = iter(loader)
    next(it)  # worker start-up is not counted
    seen, start = 0, time.perf_counter()
    while seen < n:
        try:
            seen += len(next(it)[0])
        except StopIteration:
            it = iter(loader)
    return seen / (time.perf_counter() - start)


def bench_official(data_dir: Path, split: str, size: int, n: int) -> float | None:
    try:
        import cv2
        from yolox.data import COCODataset, MosaicDetection, TrainTransform
    except ImportError:
        return None
    cv2.setNumThreads(1)
    base = COCODataset(data_dir=str(data_dir), json_file=f"instances_{split}.json", name=split,
                       img_size=(size, size), preproc=TrainTransform(max_labels=50, flip_prob=0.5, hsv_prob=1.0))
    md = MosaicDetection(base, (size, size), mosaic=True, degrees=10.0, translate=0.1, mosaic_scale=(0.1, 2),
                         mixup_scale=(0.5, 1.5), shear=2.0, enable_mixup=True,
                         preproc=TrainTransform(max_labels=120, flip_prob=0.5, hsv_prob=1.0))
    md[0]
    start = time.perf_counter()
    for i in range(n):
        md[i % len(md)]
    return n / (time.perf_counter() - start)


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--source", choices=sorted(SOURCES), default="synth")
    parser.add_argument("--size", type=int, default=640)
    parser.add_argument("--n", type=int, default=200, help="samples per measurement")
    args = parser.parse_args()
    torch.set_num_threads(1)
    np.random.seed(0)
    data_dir, split = SOURCES[args.source]
    ds = CocoDataset.from_dir(data_dir, split)
    print(f"source {args.source} ({len(ds)} images), input {args.size}, {args.n} samples each")
    print(f"yolox_edu MosaicDataset, 1 process        : {bench_ours(ds, args.size, args.n):7.1f} img/s")
    print(f"yolox_edu train loader, 2 workers         : {bench_loader(ds, args.size, args.n, 2):7.1f} img/s")
    official = bench_official(data_dir, split, args.size, args.n)
    if official is None:
        print("official yolox not importable: skipped")
    else:
        print(f"official MosaicDetection, 1 process (cv2 1 thread): {official:7.1f} img/s")


if __name__ == "__main__":
    main()
