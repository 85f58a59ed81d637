"""End-to-end training throughput (loader + step, whole epochs) on a generated COCO-like set: ours with
augmentation in the loader workers (``augment_on=cpu``, uint8 batches), ours with augmentation on the
training device (``augment_on=device``), and the official YOLOX 0.3.0 loader + model + loss, in one run.

    .venv/bin/python benchmarks/bench_feed.py --tiny                       # CPU rehearsal, ~2 min
    python3 benchmarks/bench_feed.py --device cuda --amp --model yolox-s --size 640 --batch 64 \\
        --workers 14 --images 2048 --epochs 3 --json /tmp/feed.json       # the GPU measurement

The set (``--data``, made once and reused) has ``--images`` training JPEGs with COCO's sizes (longer side
640 for most, landscape and portrait, aspect ratios 4:3, 3:2, 16:9, square and in between) and 1–20 boxes
of 80 classes each, all from a fixed seed. Every run uses a fixed input size (no multi-scale) and the
official s/m/l/x augmentation (Mosaic, MixUp, HSV, flip). Ours runs the real trainer
(``loop.setup`` + ``loop.train_one_epoch``: lr schedule, AMP, EMA, logging); the official runs its
MosaicDetection + TrainTransform in a DataLoader (pin_memory, its DataPrefetcher on CUDA), its YOLOX
model and loss under fp16 autocast, SGD and its ModelEMA, as its trainer does. The first epoch includes
worker start-up and warm-up, so the table gives the median of the later epochs, whole ("epoch": our
trainer starts its workers anew each epoch, as the official's does not) and from each epoch's first batch to
its end ("steady", what a long COCO epoch sees). "step only" repeats one batch
already on the device through the same model, optimizer and EMA: what the feed must keep up with.
Without ``yolox`` installed the official row is skipped.
"""

from __future__ import annotations

import argparse
import contextlib
import io
import json
import math
import statistics
import sys
import tempfile
import time
import warnings
from multiprocessing import Pool
from pathlib import Path

import numpy as np
import torch
from PIL import Image, ImageDraw

NUM_CLASSES = 80
LONG_SIDES = (640, 640, 640, 640, 640, 640, 640, 640, 640, 500)  # ~90 % of COCO images have a 640 side
ASPECTS = (0.75, 0.75, 0.75, 0.667, 0.667, 0.5625, 1.0, 0.8, 0.6, 0.7)  # short / long side
LANDSCAPE = 0.7


def coco_like_image(seed: int) -> tuple[np.ndarray, list[list[float]], list[int]]:
    """One deterministic picture with COCO's size distribution: (h, w, 3) uint8, 1–20 xywh boxes, classes."""
    rng = np.random.default_rng(seed)
    long_side = int(rng.choice(LONG_SIDES))
    short_side = int(long_side * rng.choice(ASPECTS))
    w, h = (long_side, short_side) if rng.random() < LANDSCAPE else (short_side, long_side)
    coarse = rng.integers(0, 256, (int(rng.integers(3, 24)), int(rng.integers(3, 24)), 3), dtype=np.uint8)
    image = Image.fromarray(coarse).resize((w, h), Image.BILINEAR)
    draw = ImageDraw.Draw(image)
    boxes, classes = [], []
    for _ in range(int(rng.integers(1, 21))):
        bw, bh = (float(v) for v in np.exp(rng.uniform(np.log(8), np.log(0.8 * min(w, h) + 9), 2)))
        x, y = rng.uniform(0, w - bw), rng.uniform(0, h - bh)
        colour = tuple(int(c) for c in rng.integers(0, 256, 3))
        (draw.ellipse if rng.random() < 0.5 else draw.rectangle)([x, y, x + bw, y + bh], fill=colour)
        boxes.append([round(x, 2), round(y, 2), round(bw, 2), round(bh, 2)])
        classes.append(int(rng.integers(NUM_CLASSES)))
    return np.asarray(image), boxes, classes


def _write_image(job: tuple[Path, int, int]) -> dict:
    folder, image_id, seed = job
    image, boxes, classes = coco_like_image(seed)
    name = f"{image_id:08d}.jpg"
    Image.fromarray(image).save(folder / name, quality=90)
    return {"id": image_id, "file_name": name, "height": image.shape[0], "width": image.shape[1],
            "boxes": boxes, "classes": classes}


def make_coco_like(root: Path, splits: dict[str, int], seed: int = 0, processes: int = 1) -> Path:
    """Write ``root/annotations/instances_<split>.json`` and ``root/<split>/*.jpg``; reused when present."""
    marker = root / f"done_{'_'.join(f'{k}{v}' for k, v in splits.items())}_seed{seed}"
    if marker.exists():
        return root
    (root / "annotations").mkdir(parents=True, exist_ok=True)
    categories = [{"id": c + 1, "name": f"class{c}"} for c in range(NUM_CLASSES)]
    for s, (split, n) in enumerate(splits.items()):
        (root / split).mkdir(exist_ok=True)
        jobs = [(root / split, i + 1, seed * 1_000_003 + s * 100_003 + i) for i in range(n)]
        with Pool(processes) as pool:
            rows = pool.map(_write_image, jobs, chunksize=8)
        images = [{k: r[k] for k in ("id", "file_name", "height", "width")} for r in rows]
        pairs = [(r["id"], b, c) for r in rows for b, c in zip(r["boxes"], r["classes"])]
        anns = [{"id": k + 1, "image_id": i, "category_id": c + 1, "bbox": b, "area": b[2] * b[3], "iscrowd": 0}
                for k, (i, b, c) in enumerate(pairs)]
        data = {"images": images, "annotations": anns, "categories": categories}
        (root / "annotations" / f"instances_{split}.json").write_text(json.dumps(data))
    marker.touch()
    return root


def _sync(device: torch.device) -> None:
    if device.type == "cuda":
        torch.cuda.synchronize(device)


def run_ours(args: argparse.Namespace, data: Path, mode: str, out: Path) -> dict:
    """Whole epochs through the real trainer; then step-only on one batch already on the device."""
    from yolox_edu.train import experiment_preset, loop
    from yolox_edu.train.feed import batch_to_device

    exp = experiment_preset(args.model, {
        "data.dir": str(data), "data.train_split": "train", "data.val_split": "val",
        "data.batch_size": args.batch, "data.num_workers": args.workers, "data.augment_on": mode,
        "model.num_classes": NUM_CLASSES, "model.input_size": (args.size, args.size),
        "aug.multiscale_range": 0, "aug.random_size": None, "aug.mosaic_prob": 1.0, "aug.mixup_prob": 1.0,
        "aug.mosaic_scale": (0.1, 2.0), "train.amp": "fp16" if args.amp else "off",
        "train.channels_last": args.channels_last, "train.device": args.device, "out_dir": str(out)})
    tr = loop.setup(exp, device=torch.device(args.device))
    first: list[float] = []  # when each epoch's first batch reached the device step

    def timed(*a, **kw):
        if not first:
            first.append(time.perf_counter())
        return batch_to_device(*a, **kw)

    epochs, steady = [], []
    loop.batch_to_device = timed  # the loop's hook, timed
    try:
        for _ in range(args.epochs):
            first.clear()
            _sync(tr.device)
            start = time.perf_counter()
            loop.train_one_epoch(tr, progress=False)
            _sync(tr.device)
            end = time.perf_counter()
            epochs.append(tr.iters_per_epoch * args.batch / (end - start))
            steady.append((tr.iters_per_epoch - 1) * args.batch / (end - first[0]))
    finally:
        loop.batch_to_device = batch_to_device
    tr.loader.set_epoch(0)
    raw, raw_targets, _ = next(iter(tr.loader))
    feed_ms = _feed_ms(raw, raw_targets, tr.device, exp.train.channels_last, args.steps)
    images, targets = batch_to_device(raw, raw_targets, tr.device, exp.train.channels_last)
    step = _step_only(tr, images, targets, args.steps)
    return {"epochs_img_s": epochs, "steady_img_s": steady, "step_only_img_s": step, "feed_ms": feed_ms,
            "iters_per_epoch": tr.iters_per_epoch}


def _feed_ms(images, targets: torch.Tensor, device: torch.device, channels_last: bool, repeats: int) -> float:
    """Median ms of batch_to_device on one loader batch: the copy to the device, plus the whole
    augmentation with augment_on=device (work the training step waits for)."""
    from yolox_edu.train.feed import batch_to_device

    times = []
    for k in range(repeats + 1):
        _sync(device)
        start = time.perf_counter()
        batch_to_device(images, targets, device, channels_last)
        _sync(device)
        if k:
            times.append((time.perf_counter() - start) * 1000)
    return statistics.median(times)


def _step_only(tr, images: torch.Tensor, targets: torch.Tensor, steps: int) -> float:
    """img/s of forward + backward + optimizer + EMA on one fixed batch (the trainer's own pieces)."""
    from yolox_edu.train.loop import _train_step  # the trainer's own step: what we time is what trains

    times = []
    for k in range(steps + 2):  # 2 warm-up steps
        _sync(tr.device)
        start = time.perf_counter()
        _train_step(tr, images, targets, use_l1=False).tolist()  # the loop's one host sync per step
        if k >= 2:
            times.append(time.perf_counter() - start)
    return images.shape[0] / statistics.median(times)


def run_official(args: argparse.Namespace, data: Path) -> dict | None:
    """The official loader + model + loss + SGD + EMA, as its trainer runs them (fixed size)."""
    try:
        import cv2
        from yolox.data import COCODataset, DataPrefetcher, MosaicDetection, TrainTransform, worker_init_reset_seed
        from yolox.models import YOLOPAFPN, YOLOX, YOLOXHead
        from yolox.utils import ModelEMA
    except ImportError as e:
        print(f"official: skipped ({e}); see /work/shared/docs/ORACLE.md for the install", flush=True)
        return None
    from yolox_edu.config import model_config

    cv2.setNumThreads(0)
    size, device = (args.size, args.size), torch.device(args.device)
    with contextlib.redirect_stdout(io.StringIO()):
        base = COCODataset(data_dir=str(data), json_file="instances_train.json", name="train", img_size=size,
                           preproc=TrainTransform(max_labels=50, flip_prob=0.5, hsv_prob=1.0))
    dataset = MosaicDetection(base, size, mosaic=True, preproc=TrainTransform(max_labels=120, flip_prob=0.5,
                              hsv_prob=1.0), degrees=10.0, translate=0.1, mosaic_scale=(0.1, 2), mixup_scale=(0.5, 1.5),
                              shear=2.0, enable_mixup=True)
    sampler = torch.utils.data.BatchSampler(torch.utils.data.RandomSampler(dataset), args.batch, drop_last=True)
    loader = torch.utils.data.DataLoader(dataset, batch_sampler=sampler, num_workers=args.workers,
                                         pin_memory=device.type == "cuda", worker_init_fn=worker_init_reset_seed)
    cfg = model_config(args.model)
    model = YOLOX(YOLOPAFPN(cfg.depth, cfg.width, depthwise=cfg.depthwise),
                  YOLOXHead(NUM_CLASSES, cfg.width, depthwise=cfg.depthwise))
    for m in model.modules():
        if isinstance(m, torch.nn.BatchNorm2d):
            m.eps, m.momentum = 1e-3, 0.03
    model.head.initialize_biases(1e-2)
    model = model.to(device).train()
    optimizer = torch.optim.SGD(model.parameters(), lr=0.01 / 64 * args.batch, momentum=0.9, nesterov=True)
    scaler = torch.amp.GradScaler(device.type, enabled=args.amp and device.type == "cuda")
    ema = ModelEMA(model, 0.9998)
    epochs, steady = [], []
    for _ in range(args.epochs):
        _sync(device)
        start = time.perf_counter()
        batches = DataPrefetcher(loader) if device.type == "cuda" else _cpu_batches(loader)
        first = None
        for _ in range(len(loader)):
            inps, targets = batches.next()
            first = first or time.perf_counter()
            inps, targets = inps.to(device).float(), targets.to(device).float()
            targets.requires_grad = False
            with torch.autocast(device.type, dtype=torch.float16, enabled=args.amp), warnings.catch_warnings():
                warnings.simplefilter("ignore")
                loss = model(inps, targets)["total_loss"]
            optimizer.zero_grad()
            scaler.scale(loss).backward()
            scaler.step(optimizer)
            scaler.update()
            ema.update(model)
            float(loss)
        _sync(device)
        end = time.perf_counter()
        epochs.append(len(loader) * args.batch / (end - start))
        steady.append((len(loader) - 1) * args.batch / (end - first))
        del batches
    return {"epochs_img_s": epochs, "steady_img_s": steady, "iters_per_epoch": len(loader)}


class _cpu_batches:
    """DataPrefetcher's interface without CUDA streams: ``next()`` gives (images, targets)."""

    def __init__(self, loader) -> None:
        self.it = iter(loader)

    def next(self) -> tuple[torch.Tensor, torch.Tensor]:
        images, targets, *_ = next(self.it)
        return images, targets


def warm(values: list[float]) -> float:
    """Median over the epochs after the first (the first warms up), or the only one."""
    return statistics.median(values[1:] or values)


def summary_row(name: str, result: dict | None) -> str:
    if result is None:
        return f"  {name:24s} (not run)"
    e, s, step = result["epochs_img_s"], result["steady_img_s"], result.get("step_only_img_s")
    share = f"{warm(s) / step:6.0%}" if step else "     -"
    return (f"  {name:24s} {e[0]:8.1f} {warm(e):8.1f} {warm(s):8.1f} {step or math.nan:10.1f} {share} "
            f"{result.get('feed_ms', math.nan):8.1f}   " + " ".join(f"{v:.1f}" for v in e))


def parse_args(argv: list[str] | None) -> argparse.Namespace:
    p = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    p.add_argument("--model", default="yolox-s")
    p.add_argument("--size", type=int, default=640)
    p.add_argument("--batch", type=int, default=64)
    p.add_argument("--workers", type=int, default=14)
    p.add_argument("--images", type=int, default=2048, help="training images in the generated set")
    p.add_argument("--epochs", type=int, default=3)
    p.add_argument("--steps", type=int, default=10, help="timed steps for step-only")
    p.add_argument("--device", default="cuda" if torch.cuda.is_available() else "cpu")
    p.add_argument("--amp", action="store_true", help="fp16 autocast (ours and official)")
    p.add_argument("--no-channels-last", dest="channels_last", action="store_false")
    p.add_argument("--runs", nargs="+", default=["cpu", "device", "official"], choices=["cpu", "device", "official"])
    p.add_argument("--data", type=Path, default=Path(tempfile.gettempdir()) / "yolox_edu_feed_coco")
    p.add_argument("--json", type=Path, help="write results and each run's start/end time (Unix s) here")
    p.add_argument("--tiny", action="store_true", help="CPU rehearsal: nano @ 160, batch 4, 16 images, 2 epochs")
    args = p.parse_args(argv)
    if args.tiny:
        args.model, args.size, args.batch, args.images, args.epochs, args.steps = "yolox-nano", 160, 4, 16, 2, 3
        args.workers = min(args.workers, 1)
    return args


def main(argv: list[str] | None = None) -> int:
    args = parse_args(argv)
    device = torch.device(args.device)
    where = torch.cuda.get_device_name(device) if device.type == "cuda" else f"CPU, {torch.get_num_threads()} threads"
    print(f"{args.model} @ {args.size}, batch {args.batch}, {args.workers} workers, {where}, "
          f"torch {torch.__version__}, amp={'fp16' if args.amp else 'off'}, channels-last {args.channels_last}, "
          f"{args.images} images × {args.epochs} epochs", flush=True)
    start = time.perf_counter()
    data = make_coco_like(args.data, {"train": args.images, "val": 8}, processes=max(1, args.workers))
    print(f"data: {data} ({time.perf_counter() - start:.1f} s)", flush=True)
    results, phases = {}, {}
    with tempfile.TemporaryDirectory() as tmp, warnings.catch_warnings():
        warnings.simplefilter("ignore")
        for run in args.runs:
            t0 = time.time()
            if run == "official":
                results[run] = run_official(args, data)
            else:
                results[run] = run_ours(args, data, run, Path(tmp) / run)
            phases[run] = (t0, time.time())
            print(f"{run}: {results[run]} ({phases[run][1] - t0:.1f} s)", flush=True)
            if device.type == "cuda":
                torch.cuda.empty_cache()
    print(f"\nend-to-end img/s ({args.model} @ {args.size}, batch {args.batch}, {args.workers} workers, {where})")
    print("  epoch 1: whole first epoch; epoch: median whole later epoch (worker start-up included); steady: "
          "from an epoch's first batch to its end; share: steady / step only; feed ms: one batch to the device "
          "(+ its augmentation with augment_on=device)")
    print(f"  {'run':24s} {'epoch 1':>8s} {'epoch':>8s} {'steady':>8s} {'step only':>10s} {'share':>6s} "
          f"{'feed ms':>8s}   each epoch")
    names = {"cpu": "ours augment_on=cpu", "device": "ours augment_on=device", "official": "official 0.3.0"}
    for run in args.runs:
        print(summary_row(names[run], results[run]))
    done = {k: v for k, v in results.items() if v}
    for ours in ("device", "cpu"):
        if ours in done and "official" in done:
            a, b = done[ours], done["official"]
            print(f"  ours {ours} / official: epoch {warm(a['epochs_img_s']) / warm(b['epochs_img_s']):.2f}×, "
                  f"steady {warm(a['steady_img_s']) / warm(b['steady_img_s']):.2f}×")
    if args.json:
        args.json.parent.mkdir(parents=True, exist_ok=True)
        args.json.write_text(json.dumps({"args": {k: str(v) for k, v in vars(args).items()}, "device": where,
                                         "torch": torch.__version__, "results": results, "phases": phases}, indent=1))
    return 0


if __name__ == "__main__":
    sys.exit(main())
