"""Images per second of the full training transform (Mosaic + affine + MixUp + HSV + flip + letterbox),
yolox_edu against the official YOLOX, in one process, same images, same run; a per-stage profile of
both; loader throughput per worker and how many workers one GPU needs.

    .venv/bin/python benchmarks/bench_data.py                      # synth and photos, 640 and 416 (~2-3 min)
    .venv/bin/python benchmarks/bench_data.py --sources synth --sizes 640 --repeats 3 --gpu-step-s 0.35

Throughput rounds alternate ours / official (``--repeats`` rounds of ``--n`` samples each), so a shared,
noisy CPU slows both alike; the table gives min / median / max img/s of the rounds and the ratio of the
medians. Both run with one thread (torch.set_num_threads(1), cv2.setNumThreads(1)). The official is
``yolox==0.3.0`` (MosaicDetection + TrainTransform, ``pip install --no-deps --no-build-isolation
yolox==0.3.0`` plus loguru, thop, opencv-python-headless, tabulate); without it only ours is measured.
The profile wraps each stage's function with a timer (exclusive times, nested stages subtracted), in a
separate pass so the timers do not slow the throughput rounds.
"""

from __future__ import annotations

import argparse
import contextlib
import functools
import importlib
import io
import math
import statistics
import time
from collections import defaultdict
from pathlib import Path

import torch

from yolox_edu.data import CocoDataset, MosaicDataset, build_train_loader

try:
    from yolox_edu.data import cached_dataset
except ImportError:  # profiling an older checkout (before the cache existed)
    cached_dataset = None

# the modules themselves, imported by their dotted names
our_augment, our_coco, our_dataset, our_mosaic, our_transforms, our_preprocess = (
    importlib.import_module(f"yolox_edu.{m}") for m in
    ("data.augment", "data.coco", "data.dataset", "data.mosaic_mixup", "data.transforms", "preprocess"))
ROOT = Path(__file__).resolve().parents[1] / "data_samples"
SOURCES = {"synth": (ROOT / "synth", "train"), "photos": (ROOT / "photos", "samples")}
STAGES = ["decode", "resize", "mosaic compose", "warp", "MixUp", "HSV", "flip", "letterbox", "labels",
          "to tensor", "other"]


class StageProfiler:
    """Wraps module attributes with timers; exclusive ms per stage (a nested stage's time is its own)."""

    def __init__(self) -> None:
        self.totals: dict[str, float] = defaultdict(float)
        self._stack: list[list[float]] = []  # per active call: [time spent in nested stages]
        self._undo: list[tuple[object, str, object]] = []

    def wrap(self, owner: object, name: str, stage: str) -> None:
        original = getattr(owner, name, None)
        if original is None:
            return

        @functools.wraps(original)
        def timed(*args, **kwargs):
            self._stack.append([0.0])
            start = time.perf_counter()
            try:
                return original(*args, **kwargs)
            finally:
                elapsed = time.perf_counter() - start
                nested = self._stack.pop()[0]
                self.totals[stage] += elapsed - nested
                if self._stack:
                    self._stack[-1][0] += elapsed

        self._undo.append((owner, name, original))
        setattr(owner, name, timed)

    def restore(self) -> None:
        for owner, name, original in reversed(self._undo):
            setattr(owner, name, original)
        self._undo.clear()


def wrap_ours(p: StageProfiler) -> None:
    p.wrap(our_coco, "read_image", "decode")
    p.wrap(our_preprocess, "resize_image", "resize")
    p.wrap(our_mosaic, "resize_image", "resize")
    p.wrap(our_dataset, "mosaic_warp", "mosaic compose")
    p.wrap(our_mosaic, "_warp_tile", "warp")
    p.wrap(our_mosaic, "affine_boxes", "labels")
    p.wrap(our_dataset, "mosaic", "mosaic compose")  # the pre-fusion pipeline, if profiled
    p.wrap(our_dataset, "random_affine", "warp")
    p.wrap(our_augment, "affine_boxes", "labels")
    p.wrap(our_dataset, "mixup", "MixUp")
    p.wrap(our_transforms, "hsv_jitter", "HSV")
    p.wrap(our_transforms, "hflip", "flip")
    p.wrap(our_transforms, "letterbox_image", "letterbox")
    p.wrap(our_transforms, "pad_labels", "labels")
    p.wrap(our_transforms, "keep_boxes", "labels")
    p.wrap(our_transforms, "to_chw_float", "to tensor")


def wrap_official(p: StageProfiler) -> None:
    import cv2
    import yolox.data.data_augment as aug
    import yolox.data.datasets.mosaicdetection as md
    p.wrap(cv2, "imread", "decode")
    p.wrap(cv2, "resize", "resize")
    p.wrap(cv2, "warpAffine", "warp")
    p.wrap(md.MosaicDetection, "mixup", "MixUp")
    p.wrap(aug, "augment_hsv", "HSV")
    p.wrap(aug, "_mirror", "flip")
    p.wrap(aug, "preproc", "letterbox")  # letterbox + the float (3, H, W) copy
    p.wrap(aug, "apply_affine_to_bboxes", "labels")
    p.wrap(aug, "xyxy2cxcywh", "labels")


def ours(ds, size: int) -> MosaicDataset:
    return MosaicDataset(ds, (size, size), seed=0)


def official(data_dir: Path, split: str, size: int):
    """The official MosaicDetection + TrainTransform (s/m/l/x recipe), or None if yolox is missing."""
    try:
        import cv2
        from yolox.data import COCODataset, MosaicDetection, TrainTransform
    except ImportError:
        return None
    cv2.setNumThreads(1)
    with contextlib.redirect_stdout(io.StringIO()):
        base = COCODataset(data_dir=str(data_dir), json_file=f"instances_{split}.json", name=split,
                           img_size=(size, size), preproc=TrainTransform(max_labels=50, flip_prob=0.5, hsv_prob=1.0))
    return MosaicDetection(base, (size, size), mosaic=True, degrees=10.0, translate=0.1, mosaic_scale=(0.1, 2),
                           mixup_scale=(0.5, 1.5), shear=2.0, enable_mixup=True,
                           preproc=TrainTransform(max_labels=120, flip_prob=0.5, hsv_prob=1.0))


def run(dataset, n: int, start: int = 0) -> float:
    """img/s over n samples (indices start, start + 1, ...)."""
    t = time.perf_counter()
    for i in range(start, start + n):
        dataset[i % len(dataset)]
    return n / (time.perf_counter() - t)


def profile(dataset, wrap, n: int) -> dict[str, float]:
    """ms per sample by stage (exclusive), 'other' = total minus the named stages."""
    p = StageProfiler()
    wrap(p)
    try:
        t = time.perf_counter()
        for i in range(n):
            dataset[i % len(dataset)]
        total = (time.perf_counter() - t) * 1000 / n
    finally:
        p.restore()
    stages = {k: v * 1000 / n for k, v in p.totals.items()}
    stages["other"] = total - sum(stages.values())
    stages["total"] = total
    return stages


def loader_rate(ds, size: int, workers: int, n: int, batch: int = 8) -> float:
    """img/s through build_train_loader (fixed size, worker start-up not counted)."""
    loader = build_train_loader(MosaicDataset(ds, (size, size), seed=0), batch, num_workers=workers, seed=0,
                                multiscale=None)
    it = iter(loader)
    next(it)
    seen, t = 0, time.perf_counter()
    while seen < n:
        try:
            seen += len(next(it)[0])
        except StopIteration:
            it = iter(loader)
    return seen / (time.perf_counter() - t)


def summary(rates: list[float]) -> str:
    return f"{min(rates):6.1f} {statistics.median(rates):6.1f} {max(rates):6.1f}"


def print_profiles(title: str, columns: dict[str, dict[str, float]]) -> None:
    print(f"\nper-stage ms per sample, {title} (exclusive times; one pass with timers)")
    names = list(columns)
    print(f"  {'stage':16s}" + "".join(f"{n:>12s}" for n in names))
    for stage in [*STAGES, "total"]:
        print(f"  {stage:16s}" + "".join(f"{columns[n].get(stage, 0.0):12.2f}" for n in names))


def worker_hint(per_worker: float, size: int, batch: int, gpu_step_s: float | None) -> None:
    print(f"\nworkers per GPU (YOLOX-s, batch {batch} per GPU, input {size}): one worker makes {per_worker:.1f} img/s, "
          f"so the loader keeps up when workers ≥ batch / (step_s × img/s per worker) = "
          f"{batch} / (step_s × {per_worker:.1f})")
    steps = [gpu_step_s] if gpu_step_s else [0.1, 0.2, 0.4]
    for s in steps:
        need = batch / (s * per_worker)
        print(f"  GPU step {s:.3f} s → needs {batch / s:.0f} img/s → {need:.1f} → {math.ceil(need)} workers "
              f"(per-worker rate measured on this CPU; scale by its speed and keep workers ≤ free cores)")


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--sources", nargs="+", choices=sorted(SOURCES), default=["synth", "photos"])
    parser.add_argument("--sizes", nargs="+", type=int, default=[640, 416])
    parser.add_argument("--n", type=int, default=40, help="samples per throughput round")
    parser.add_argument("--repeats", type=int, default=5, help="rounds, ours and official alternating")
    parser.add_argument("--profile-n", type=int, default=30, help="samples in the per-stage profile (0: none)")
    parser.add_argument("--loader-n", type=int, default=48, help="samples per loader measurement (0: none)")
    parser.add_argument("--gpu-step-s", type=float, default=None, help="GPU step time (s) for the worker hint")
    parser.add_argument("--batch", type=int, default=64, help="per-GPU batch for the worker hint")
    args = parser.parse_args()
    torch.set_num_threads(1)
    print(f"torch threads 1, samples per round {args.n}, rounds {args.repeats} (ours/official alternating)")
    results = []
    for source in args.sources:
        data_dir, split = SOURCES[source]
        ds = CocoDataset.from_dir(data_dir, split)
        ram = cached_dataset(ds, "ram", max(args.sizes), progress=False) if cached_dataset else None
        for size in args.sizes:
            runs = {"ours": ours(ds, size)}
            if ram is not None:
                runs["ours+ram cache"] = ours(ram, size)
            off = official(data_dir, split, size)
            if off is not None:
                runs["official"] = off
            rates: dict[str, list[float]] = {k: [] for k in runs}
            for d in runs.values():
                d[0]  # warm-up (lookup tables, first file reads)
            for r in range(args.repeats):
                for name, d in runs.items():
                    rates[name].append(run(d, args.n, start=r * args.n))
            results.append((source, size, len(ds), rates))
            if args.profile_n:
                prof = {"ours": profile(runs["ours"], wrap_ours, args.profile_n)}
                if off is not None:
                    prof["official"] = profile(off, wrap_official, args.profile_n)
                print_profiles(f"{source} @ {size}", prof)
    print("\nthroughput, one process, img/s: min median max over rounds")
    print(f"  {'source':8s}{'size':>5s}  {'ours':>20s}  {'ours+ram cache':>20s}  {'official':>20s}  "
          "ratio of medians (ours, cached) | ours/official per round: min median max")
    for source, size, _, rates in results:
        med = {k: statistics.median(v) for k, v in rates.items()}
        ratio = "-" if "official" not in rates else " ".join(
            f"{med[k] / med['official']:.2f}x" for k in ("ours", "ours+ram cache") if k in rates)
        if "official" in rates:  # each round's ours/official pair ran back to back: robust to load changes
            per_round = [a / b for a, b in zip(rates["ours"], rates["official"])]
            ratio += f"  | per round {min(per_round):.2f} {statistics.median(per_round):.2f} {max(per_round):.2f}"
        cells = [summary(rates[k]) if k in rates else "-" for k in ("ours", "ours+ram cache", "official")]
        print(f"  {source:8s}{size:5d}  " + "  ".join(f"{c:>20s}" for c in cells) + f"  {ratio}")
    if args.loader_n:
        data_dir, split = SOURCES[args.sources[0]]
        ds = CocoDataset.from_dir(data_dir, split)
        size = args.sizes[0]
        one = loader_rate(ds, size, 1, args.loader_n)
        two = loader_rate(ds, size, 2, args.loader_n)
        print(f"\ntrain loader on {args.sources[0]} @ {size}: 1 worker {one:.1f} img/s, 2 workers {two:.1f} img/s")
        worker_hint(one, size, args.batch, args.gpu_step_s)


if __name__ == "__main__":
    main()
