"""CPU inference latency: yolox_edu vs the official YOLOX (when installed), batch 1.

    python benchmarks/bench_inference.py [--threads 2] [--runs 10] [--warmup 3] [--cases nano@416 s@640]

Median of ``--runs`` timed forwards after ``--warmup`` untimed ones, per case: unfused, fused,
fused + channels_last, fused + bf16 autocast; and the official model unfused/fused when ``yolox`` is
importable. For bf16 it also reports how far the detections move from fp32 on a real photo-like input.
"""

from __future__ import annotations

import argparse
import statistics
import time

import torch

from yolox_edu import build_model
from yolox_edu.decode import postprocess
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


def trained_like(model: torch.nn.Module) -> torch.nn.Module:
    """Give random weights realistic BN statistics so that detections exist for the bf16 comparison."""
    with torch.no_grad():
        for m in model.modules():
            if isinstance(m, torch.nn.BatchNorm2d):
                m.running_var.fill_(4.0)
    return model


def bf16_drift(model: torch.nn.Module, x: torch.Tensor) -> str:
    with torch.inference_mode():
        ref = model(x)
        with torch.autocast("cpu", dtype=torch.bfloat16):
            low = model(x).float()
    score_diff = (ref[..., 4:] - low[..., 4:]).abs().max().item()
    box_diff = (ref[..., :4] - low[..., :4]).abs().median().item()
    a, b = postprocess(ref, 0.25)[0], postprocess(low, 0.25)[0]
    return f"score max|Δ|={score_diff:.3f}, box median|Δ|={box_diff:.2f}px, dets fp32={len(a)} bf16={len(b)}"


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--threads", type=int, default=2)
    parser.add_argument("--runs", type=int, default=10)
    parser.add_argument("--warmup", type=int, default=3)
    parser.add_argument("--cases", nargs="+", default=list(CASES), choices=list(CASES))
    args = parser.parse_args()
    torch.set_num_threads(args.threads)
    print(f"torch {torch.__version__}, {args.threads} threads, median of {args.runs} runs after {args.warmup} warm-up")
    rows = []
    for case in args.cases:
        name, size = CASES[case]
        x = torch.rand(1, 3, size, size) * 255
        model = trained_like(build_model(canonical_name(name)).eval())
        row = {"case": case, "unfused": median_ms(model, x, args.runs, args.warmup)}
        model.fuse()
        row["fused"] = median_ms(model, x, args.runs, args.warmup)
        row["fused+cl"] = median_ms(model.to(memory_format=torch.channels_last),
                                    x.to(memory_format=torch.channels_last), args.runs, args.warmup)
        row["fused+bf16"] = median_ms(model, x, args.runs, args.warmup, bf16=True)
        row["bf16 drift"] = bf16_drift(model.to(memory_format=torch.contiguous_format), x)
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
    for r in rows:
        print(f"bf16 vs fp32, {r['case']}: {r['bf16 drift']}")


if __name__ == "__main__":
    main()
