"""CPU inference latency: yolox_edu vs the official YOLOX (when installed), batch 1.

    python benchmarks/bench_inference.py [--threads 2] [--runs 10] [--warmup 3] [--cases nano@416 s@640]

Median of ``--runs`` timed forwards after ``--warmup`` untimed ones, per case: unfused, fused,
fused + channels_last, fused + bf16 autocast; and the official model unfused/fused when ``yolox`` is
importable. With ``--drift-ckpt`` it also reports how far bf16 moves a trained model's detections.
"""

from __future__ import annotations

import argparse
import statistics
import time

import torch

from yolox_edu import build_model
from yolox_edu.models import canonical_name

CASES = {"nano@416": ("yolox-nano", 416), "tiny@416": ("yolox-tiny", 416), "s@640": ("yolox-s", 640)}
ZOO = {"yolox-nano": (0.33, 0.25, True), "yolox-tiny": (0.33, 0.375, False), "yolox-s": (0.33, 0.5, False)}


@torch.inference_mode()
def median_ms(model: torch.nn.Module, x: torch.Tensor, runs: int, warmup: int, bf16: bool = False) -> float:
    ctx = torch.autocast("cpu", dtype=torch.bfloat16) if bf16 else torch.autocast("cpu", enabled=False)
    times = []
    with ctx:
        for k in range(warmup + runs):
            t0 = time.perf_counter()
            model(x)
            if k >= warmup:
                times.append((time.perf_counter() - t0) * 1e3)
    return statistics.median(times)


def official_model(name: str) -> torch.nn.Module | None:
    try:
        from yolox.models import YOLOPAFPN, YOLOX, YOLOXHead
    except ImportError:
        return None
    depth, width, dw = ZOO[name]
    model = YOLOX(YOLOPAFPN(depth, width, depthwise=dw), YOLOXHead(80, width, depthwise=dw))
    for m in model.modules():
        if isinstance(m, torch.nn.BatchNorm2d):
            m.eps, m.momentum = 1e-3, 0.03
    return model.eval()


def official_fuse(model: torch.nn.Module) -> torch.nn.Module:
    from yolox.utils import fuse_model

    return fuse_model(model)


def bf16_drift(ckpt: str, image_dir: str, limit: int = 20) -> str:
    """How far bf16 autocast moves the detections of a trained model on real images: matched boxes
    (same class, IoU > 0.5) and their score/corner differences, at conf 0.25."""
    from pathlib import Path

    from torchvision.ops import box_iou

    from yolox_edu import load_checkpoint, predict
    from yolox_edu.checkpoint import read_checkpoint

    cfg = read_checkpoint(ckpt)["config"]
    model = build_model(cfg["name"], num_classes=cfg["num_classes"], input_size=tuple(cfg["input_size"]))
    load_checkpoint(model, ckpt)
    model.fuse()
    files = sorted(Path(image_dir).glob("*.jpg"))[:limit]
    n32 = n16 = matched = 0
    corner, score = [], []
    for f in files:
        a = predict(model, str(f), conf_thresh=0.25)[0]
        b = predict(model, str(f), conf_thresh=0.25, bf16=True)[0]
        n32, n16 = n32 + len(a), n16 + len(b)
        if len(a) and len(b):
            iou = box_iou(a.boxes, b.boxes) * (a.labels[:, None] == b.labels[None])
            best, j = iou.max(1)
            ok = best > 0.5
            matched += int(ok.sum())
            corner.append((a.boxes[ok] - b.boxes[j[ok]]).abs().flatten())
            score.append((a.scores[ok] - b.scores[j[ok]]).abs())
    c, s = torch.cat(corner), torch.cat(score)
    return (f"{len(files)} images: {n32} fp32 / {n16} bf16 detections, {matched} matched; corner |Δ| median "
            f"{c.median():.2f} px, max {c.max():.2f} px; score |Δ| median {s.median():.4f}, max {s.max():.4f}")


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--threads", type=int, default=2)
    parser.add_argument("--runs", type=int, default=10)
    parser.add_argument("--warmup", type=int, default=3)
    parser.add_argument("--cases", nargs="+", default=list(CASES), choices=list(CASES))
    parser.add_argument("--drift-ckpt", help="a trained checkpoint for the bf16-vs-fp32 detection comparison")
    parser.add_argument("--drift-images", default="data_samples/synth/val", help="images for that comparison")
    args = parser.parse_args()
    torch.set_num_threads(args.threads)
    print(f"torch {torch.__version__}, {args.threads} threads, median of {args.runs} runs after {args.warmup} warm-up")
    rows = []
    for case in args.cases:
        name, size = CASES[case]
        x = torch.rand(1, 3, size, size) * 255
        model = build_model(canonical_name(name)).eval()
        row = {"case": case, "unfused": median_ms(model, x, args.runs, args.warmup)}
        model.fuse()
        row["fused"] = median_ms(model, x, args.runs, args.warmup)
        row["fused+cl"] = median_ms(model.to(memory_format=torch.channels_last),
                                    x.to(memory_format=torch.channels_last), args.runs, args.warmup)
        row["fused+bf16"] = median_ms(model, x, args.runs, args.warmup, bf16=True)
        theirs = official_model(name)
        if theirs is not None:
            row["official"] = median_ms(theirs, x, args.runs, args.warmup)
            row["official fused"] = median_ms(official_fuse(theirs), x, args.runs, args.warmup)
        rows.append(row)
        print(row, flush=True)
    cols = ["unfused", "fused", "fused+cl", "fused+bf16", "official", "official fused"]
    print("\n| case | " + " | ".join(f"{c} (ms)" for c in cols) + " |")
    print("|---|" + "---|" * len(cols))
    for r in rows:
        print(f"| {r['case']} | " + " | ".join(f"{r[c]:.1f}" if c in r else "—" for c in cols) + " |")
    if args.drift_ckpt:
        print("bf16 vs fp32 detections:", bf16_drift(args.drift_ckpt, args.drift_images))


if __name__ == "__main__":
    main()
