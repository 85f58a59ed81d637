"""Fingerprint of the training batches a preset feeds the model, to compare two machines.

Two machines given the same preset and seed should train on the same images; this records, for the first
batches of a few epochs, the input size, per-channel image means, standard deviation and left-minus-right
mean (a flip changes its sign), the number of boxes and their coordinate sums. Write a reference on one
machine and check another against it:

    python benchmarks/data_fingerprint.py --write benchmarks/reference/demo_fingerprint_opencv.json
    python benchmarks/data_fingerprint.py --check benchmarks/reference/demo_fingerprint_opencv.json

``--check`` exits 1 and names the first batch that differs. Image statistics are compared with a tolerance
(0.1 grey levels, for OpenCV builds that round a resize differently), sizes and box counts exactly, box sums to 0.1 %.
``--augment-on device`` fingerprints what the on-device augmentation (``data.augment_on=device``) feeds the
model, against the same reference: targets must be identical, image statistics agree within 0.3 grey levels
(its bilinear weights round differently from OpenCV's and torch's uint8 kernels, and it applies HSV after
the letterbox resize instead of before; measured on the demo reference: see tests/test_data_fingerprint.py).
The reference depends on the image backend: OpenCV when installed (``YOLOX_EDU_OPENCV=0`` turns it off)
or PIL/numpy; the file records which, and a check under the other backend is refused.
"""

from __future__ import annotations

import argparse
import json
import sys
from pathlib import Path

import torch

from yolox_edu.data.augment import USE_OPENCV
from yolox_edu.train import experiment_preset, loop
from yolox_edu.train.feed import batch_to_device

IMAGE_ATOL = 0.1  # grey levels, on 0-255 means and stds (OpenCV vs PIL resizing differ by ~0.3)
DEVICE_IMAGE_ATOL = 0.3  # the same for the device path against a reference made by the CPU path
BOX_RTOL = 1e-3


def fingerprint(preset: str, epochs: list[int], batches: int, workers: int, augment_on: str = "cpu") -> dict:
    """Statistics of the first ``batches`` batches of each epoch in ``epochs`` (0-based), as the model
    gets them (``augment_on``: "cpu" or "device", run here on the CPU)."""
    exp = experiment_preset(preset, {"data.num_workers": workers, "data.augment_on": augment_on})
    cpu = torch.device("cpu")
    tr = loop.setup(exp, device=cpu)  # only its loader is used
    rows = []
    for epoch in epochs:
        if loop.in_no_aug_tail(exp, epoch):
            tr.loader.close_mosaic()
        tr.loader.set_epoch(epoch)
        for k, (images, targets, _) in enumerate(tr.loader):
            if k == batches:
                break
            images, targets = batch_to_device(images, targets, cpu)  # the trainer's (B, 3, H, W) float32
            w = images.shape[-1]
            real = targets[..., 3:5].gt(0).all(-1)  # (B, G) rows with a box
            rows.append({
                "epoch": epoch, "batch": k, "shape": list(images.shape),
                "mean": images.double().mean((0, 2, 3)).tolist(), "std": float(images.double().std()),
                "left_minus_right": float(images[..., : w // 2].double().mean()
                                          - images[..., w - w // 2:].double().mean()),
                "boxes": int(real.sum()), "box_sum": float(targets[real][:, 1:].double().sum()),
                "class_sum": int(targets[real][:, 0].sum()),
            })
    return {"preset": preset, "backend": "opencv" if USE_OPENCV else "pure", "torch": torch.__version__,
            "augment_on": augment_on, "batches": rows}


def _image_stats(row: dict) -> list[float]:
    return [*row["mean"], row["std"], row["left_minus_right"]]


def differences(ref: dict, got: dict) -> list[str]:
    """Readable differences between two fingerprints (empty when they agree)."""
    if ref["backend"] != got["backend"]:
        return [f"the reference was made with the {ref['backend']} image backend and this machine uses "
                f"{got['backend']}: compare like with like (YOLOX_EDU_OPENCV=0 selects the pure one)"]
    out = []
    atol = DEVICE_IMAGE_ATOL if got.get("augment_on", "cpu") != ref.get("augment_on", "cpu") else IMAGE_ATOL
    for r, g in zip(ref["batches"], got["batches"]):
        where = f"epoch {r['epoch']} batch {r['batch']}"
        if r["shape"] != g["shape"] or r["boxes"] != g["boxes"] or r["class_sum"] != g["class_sum"]:
            out.append(f"{where}: shape/boxes/classes {g['shape']}/{g['boxes']}/{g['class_sum']}, "
                       f"reference {r['shape']}/{r['boxes']}/{r['class_sum']}")
            continue
        stats = max(abs(a - b) for a, b in zip(_image_stats(r), _image_stats(g)))
        if stats > atol:
            out.append(f"{where}: image statistics differ by up to {stats:.3f} grey levels (> {atol})")
        if abs(r["box_sum"] - g["box_sum"]) > BOX_RTOL * max(abs(r["box_sum"]), 1.0):
            out.append(f"{where}: box coordinates sum to {g['box_sum']:.2f}, reference {r['box_sum']:.2f}")
    if len(ref["batches"]) != len(got["batches"]):
        out.append(f"{len(got['batches'])} batches fingerprinted, the reference has {len(ref['batches'])}")
    return out


def main(argv: list[str] | None = None) -> int:
    p = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    p.add_argument("--preset", default="demo")
    p.add_argument("--epochs", type=int, nargs="+", default=[0, 1, 24], help="0-based epochs to sample")
    p.add_argument("--batches", type=int, default=3, help="batches per epoch")
    p.add_argument("--workers", type=int, default=0, help="loader workers (the result must not depend on it)")
    p.add_argument("--augment-on", choices=["cpu", "device"], default="cpu",
                   help="where augmentation runs (data.augment_on); the reference is made with cpu")
    group = p.add_mutually_exclusive_group(required=True)
    group.add_argument("--write", help="write the fingerprint to this JSON file")
    group.add_argument("--check", help="compare with this reference JSON file; exit 1 on a difference")
    args = p.parse_args(argv)
    if args.check:
        ref = json.loads(Path(args.check).read_text())
        got = fingerprint(ref["preset"], sorted({r["epoch"] for r in ref["batches"]}),
                          1 + max(r["batch"] for r in ref["batches"]), args.workers, args.augment_on)
        problems = differences(ref, got)
        for line in problems:
            print("DIFFERS:", line)
        print(f"{len(got['batches'])} batches ({got['backend']} backend, {args.workers} workers, "
              f"augment_on={args.augment_on}): "
              f"{'same as' if not problems else 'NOT the same as'} {args.check}")
        return 1 if problems else 0
    got = fingerprint(args.preset, args.epochs, args.batches, args.workers, args.augment_on)
    Path(args.write).parent.mkdir(parents=True, exist_ok=True)
    Path(args.write).write_text(json.dumps(got, indent=1) + "\n")
    print(f"wrote {len(got['batches'])} batches ({got['backend']} backend) to {args.write}")
    return 0


if __name__ == "__main__":
    sys.exit(main())
