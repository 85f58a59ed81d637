"""One full training step on the CPU (forward + loss + backward + SGD step), and the share of label assignment.

    .venv/bin/python benchmarks/bench_train_step.py                 # yolox-nano @ 416, batch 8
    .venv/bin/python benchmarks/bench_train_step.py --model yolox-s --size 640 --batch 4
    .venv/bin/python benchmarks/bench_train_step.py --quick         # fewer steps, no official run

Targets are synthetic: 1..20 objects per image (sizes 8..300 px, 80 classes) padded to 120 rows as
in training. The assignment time is measured by wrapping the assigner the loss calls. With the
official ``yolox`` 0.3.0 installed, its model of the same size is timed the same way (its per-image
``get_assignments`` wrapped) for comparison.
"""

from __future__ import annotations

import argparse
import statistics
import time
import warnings

import torch

import yolox_edu.loss as loss_module
from yolox_edu import build_model
from yolox_edu.config import model_config

MAX_LABELS, NUM_CLASSES = 120, 80


def make_batch(batch: int, size: int, seed: int = 0) -> tuple[torch.Tensor, torch.Tensor]:
    gen = torch.Generator().manual_seed(seed)
    images = torch.rand(batch, 3, size, size, generator=gen) * 255  # (B, 3, H, W)
    targets = torch.zeros(batch, MAX_LABELS, 5)  # (B, 120, 5)
    for b in range(batch):
        n = int(torch.randint(1, 21, (1,), generator=gen))
        wh = torch.exp(torch.rand(n, 2, generator=gen) * 3.6) * 8  # (n, 2) 8..300 px
        cxy = torch.rand(n, 2, generator=gen) * size  # (n, 2)
        cls = torch.randint(0, NUM_CLASSES, (n, 1), generator=gen).float()
        targets[b, :n] = torch.cat((cls, cxy, wh.clamp(max=size)), 1)
    return images, targets


class Timer:
    """Wraps a function and adds up the seconds spent in it."""

    def __init__(self, fn):
        self.fn, self.seconds = fn, 0.0

    def __call__(self, *args, **kwargs):
        start = time.perf_counter()
        out = self.fn(*args, **kwargs)
        self.seconds += time.perf_counter() - start
        return out


def time_steps(step, steps: int, timer: Timer) -> tuple[float, float]:
    """Median seconds per step and the fraction of all step time spent in ``timer``."""
    step()  # warm-up
    timer.seconds, times = 0.0, []
    for _ in range(steps):
        start = time.perf_counter()
        step()
        times.append(time.perf_counter() - start)
    return statistics.median(times), timer.seconds / sum(times)


def ours(name: str, size: int, batch: int, steps: int, channels_last: bool = False) -> tuple[float, float]:
    fmt = torch.channels_last if channels_last else torch.contiguous_format
    model = build_model(name, num_classes=NUM_CLASSES).train().to(memory_format=fmt)
    assigner = model_config(name).assigner
    opt = torch.optim.SGD(model.parameters(), lr=1e-4, momentum=0.9)
    images, targets = make_batch(batch, size)
    images = images.contiguous(memory_format=fmt)
    timer = Timer(loss_module.get_assigner(assigner))
    original = loss_module.get_assigner
    loss_module.get_assigner = lambda _name, **_kw: timer

    def step():
        opt.zero_grad(set_to_none=True)
        model(images, targets)["total"].backward()
        opt.step()

    try:
        return time_steps(step, steps, timer)
    finally:
        loss_module.get_assigner = original


def official(name: str, size: int, batch: int, steps: int) -> tuple[float, float] | None:
    try:
        from yolox.models import YOLOPAFPN, YOLOX, YOLOXHead
    except ImportError:
        return None
    cfg = model_config(name)
    model = YOLOX(
        YOLOPAFPN(cfg.depth, cfg.width, depthwise=cfg.depthwise),
        YOLOXHead(NUM_CLASSES, cfg.width, depthwise=cfg.depthwise),
    ).train()
    for m in model.modules():
        if isinstance(m, torch.nn.BatchNorm2d):
            m.eps, m.momentum = 1e-3, 0.03
    opt = torch.optim.SGD(model.parameters(), lr=1e-4, momentum=0.9)
    images, targets = make_batch(batch, size)
    timer = Timer(model.head.get_assignments)
    model.head.get_assignments = timer

    def step():
        opt.zero_grad(set_to_none=True)
        with warnings.catch_warnings():
            warnings.simplefilter("ignore")
            model(images, targets)["total_loss"].backward()
        opt.step()

    return time_steps(step, steps, timer)


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--model", default="yolox-nano")
    parser.add_argument("--size", type=int, default=416)
    parser.add_argument("--batch", type=int, default=8)
    parser.add_argument("--steps", type=int, default=None, help="timed steps (median reported)")
    parser.add_argument("--quick", action="store_true", help="3 steps, skip the official model")
    parser.add_argument("--no-official", action="store_true")
    args = parser.parse_args()
    steps = args.steps or (3 if args.quick else 5)
    print(f"{args.model} @ {args.size}, batch {args.batch}, CPU threads={torch.get_num_threads()}, {steps} steps")
    print(f"{'':>10} | {'s/step':>7} {'img/s':>6} {'assignment':>10}")
    rows = [("yolox_edu", ours(args.model, args.size, args.batch, steps)),
            ("ours+NHWC", ours(args.model, args.size, args.batch, steps, channels_last=True))]
    if not (args.quick or args.no_official):
        rows.append(("official", official(args.model, args.size, args.batch, steps)))
    for label, result in rows:
        if result is None:
            print(f"{label:>10} | (yolox not installed)")
            continue
        seconds, share = result
        print(f"{label:>10} | {seconds:>7.3f} {args.batch / seconds:>6.1f} {share:>9.1%}")


if __name__ == "__main__":
    main()
