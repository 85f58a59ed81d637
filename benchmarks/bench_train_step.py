"""One full training step (forward + loss + backward + SGD step), and the share of label assignment.

    .venv/bin/python benchmarks/bench_train_step.py                 # yolox-nano @ 416, batch 8, CPU
    .venv/bin/python benchmarks/bench_train_step.py --model yolox-s --size 640 --batch 4
    .venv/bin/python benchmarks/bench_train_step.py --quick         # fewer steps, no official run
    python3 benchmarks/bench_train_step.py --device cuda --amp --model yolox-s --size 640 --batch 64 --steps 10

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


def _sync(device: str) -> None:
    if device.startswith("cuda"):
        torch.cuda.synchronize()


def time_steps(step, steps: int, timer: Timer, device: str = "cpu", warmup: int = 1) -> tuple[float, float]:
    """Median seconds per step and the fraction of all step time spent in ``timer``.

    On CUDA the assignment share is wall time inside the assigner (it synchronises on its own ``.item()``
    and index calls, so this is the time the step waits for it)."""
    for _ in range(warmup):
        step()
    _sync(device)
    timer.seconds, times = 0.0, []
    for _ in range(steps):
        start = time.perf_counter()
        step()
        _sync(device)
        times.append(time.perf_counter() - start)
    return statistics.median(times), timer.seconds / sum(times)


class Stepper:
    """forward + loss + (scaled) backward + SGD step, optionally under fp16 autocast with a grad scaler."""

    def __init__(self, model, loss_fn, device: str, amp: bool):
        self.model, self.loss_fn, self.device, self.amp = model, loss_fn, device, amp
        self.opt = torch.optim.SGD(model.parameters(), lr=1e-4, momentum=0.9)
        self.scaler = torch.amp.GradScaler("cuda", enabled=amp and device.startswith("cuda"))

    def __call__(self):
        self.opt.zero_grad(set_to_none=True)
        with torch.autocast(self.device.split(":")[0], dtype=torch.float16, enabled=self.amp):
            loss = self.loss_fn()
        self.scaler.scale(loss).backward()
        self.scaler.step(self.opt)
        self.scaler.update()


def ours(name: str, size: int, batch: int, steps: int, channels_last: bool = False, device: str = "cpu",
         amp: bool = False, warmup: int = 1) -> tuple[float, float]:
    fmt = torch.channels_last if channels_last else torch.contiguous_format
    model = build_model(name, num_classes=NUM_CLASSES).train().to(device, memory_format=fmt)
    assigner = model_config(name).assigner
    images, targets = make_batch(batch, size)
    images, targets = images.to(device).contiguous(memory_format=fmt), targets.to(device)
    timer = Timer(loss_module.get_assigner(assigner))
    original = loss_module.get_assigner
    loss_module.get_assigner = lambda _name, **_kw: timer
    step = Stepper(model, lambda: model(images, targets)["total"], device, amp)
    try:
        return time_steps(step, steps, timer, device, warmup)
    finally:
        loss_module.get_assigner = original


def official(name: str, size: int, batch: int, steps: int, channels_last: bool = False, device: str = "cpu",
             amp: bool = False, warmup: int = 1) -> tuple[float, float] | None:
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
    fmt = torch.channels_last if channels_last else torch.contiguous_format
    model = model.to(device, memory_format=fmt)
    images, targets = make_batch(batch, size)
    images, targets = images.to(device).contiguous(memory_format=fmt), targets.to(device)
    timer = Timer(model.head.get_assignments)
    model.head.get_assignments = timer

    def loss():
        with warnings.catch_warnings():
            warnings.simplefilter("ignore")
            return model(images, targets)["total_loss"]

    return time_steps(Stepper(model, loss, device, amp), steps, timer, device, warmup)


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--model", default="yolox-nano")
    parser.add_argument("--size", type=int, default=416)
    parser.add_argument("--batch", type=int, default=8)
    parser.add_argument("--steps", type=int, default=None, help="timed steps (median reported)")
    parser.add_argument("--quick", action="store_true", help="3 steps, skip the official model")
    parser.add_argument("--no-official", action="store_true")
    parser.add_argument("--device", default="cpu", help="cpu or cuda")
    parser.add_argument("--amp", action="store_true", help="fp16 autocast + grad scaler (CUDA)")
    parser.add_argument("--warmup", type=int, default=None, help="untimed steps first (default 1 CPU, 3 CUDA)")
    args = parser.parse_args()
    steps = args.steps or (3 if args.quick else 5)
    warmup = args.warmup if args.warmup is not None else (3 if args.device.startswith("cuda") else 1)
    where = torch.cuda.get_device_name() if args.device.startswith("cuda") else f"CPU threads={torch.get_num_threads()}"
    print(f"{args.model} @ {args.size}, batch {args.batch}, {where}, torch {torch.__version__}, "
          f"amp={'fp16' if args.amp else 'off'}, {steps} steps after {warmup} warm-up")
    print(f"{'':>14} | {'s/step':>7} {'img/s':>7} {'assignment':>10}")
    kw = {"device": args.device, "amp": args.amp, "warmup": warmup}
    cases = [("yolox_edu", ours, False), ("yolox_edu+NHWC", ours, True)]
    if not (args.quick or args.no_official):
        cases += [("official", official, False), ("official+NHWC", official, True)]
    for label, fn, nhwc in cases:
        result = fn(args.model, args.size, args.batch, steps, channels_last=nhwc, **kw)
        if result is None:
            print(f"{label:>14} | (yolox not installed)")
            continue
        seconds, share = result
        print(f"{label:>14} | {seconds:>7.3f} {args.batch / seconds:>7.1f} {share:>9.1%}", flush=True)
        if args.device.startswith("cuda"):
            torch.cuda.empty_cache()


if __name__ == "__main__":
    main()
