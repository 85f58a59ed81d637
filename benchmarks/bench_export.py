"""CPU latency of the deployment paths, side by side in one run: batch 1, decoded outputs.

    python benchmarks/bench_export.py [--threads 2] [--runs 10] [--warmup 3] [--cases nano@416 s@640]

Per case (random weights: latency does not depend on them): eager fp32 (unfused), fused + channels-last,
the exported TorchScript file (``torch.jit.load``) and the exported ONNX file (onnxruntime, CPU provider,
the same thread count). Each exported file is first checked against the PyTorch model on a bundled photo
(``yolox_edu.export.check_export``). Prints min and median of ``--runs`` timed calls after ``--warmup``.
"""

from __future__ import annotations

import argparse
import statistics
import tempfile
import time
from collections.abc import Callable
from pathlib import Path

import torch

from yolox_edu import build_model
from yolox_edu.export import check_export, default_check_images, export_model, load_exported
from yolox_edu.inference import as_image_tensor

CASES = {"nano@416": ("yolox-nano", 416), "tiny@416": ("yolox-tiny", 416), "s@640": ("yolox-s", 640)}
COLUMNS = ("eager fp32", "fused+cl", "torchscript", "onnxruntime")


@torch.inference_mode()
def time_ms(fn: Callable[[torch.Tensor], object], x: torch.Tensor, runs: int, warmup: int) -> tuple[float, float]:
    """(min, median) milliseconds of ``fn(x)``."""
    times = []
    for k in range(warmup + runs):
        t0 = time.perf_counter()
        fn(x)
        if k >= warmup:
            times.append((time.perf_counter() - t0) * 1e3)
    return min(times), statistics.median(times)


@torch.no_grad()
def realistic_weights(model: torch.nn.Module, images: list, size: int) -> torch.nn.Module:
    """Random weights whose activations stay O(1) through the depth, as a trained model's do (fresh YOLOX
    activations fade towards zero layer after layer, which is neither realistic nor a fair input for the
    exported files' check): small residual branches plus BatchNorm statistics taken from real photos."""
    from yolox_edu.models.blocks import Bottleneck, ResLayer
    from yolox_edu.preprocess import letterbox

    bns = [m for m in model.modules() if isinstance(m, torch.nn.BatchNorm2d)]
    for m in model.modules():
        if isinstance(m, (Bottleneck, ResLayer)):
            [b for b in m.modules() if isinstance(b, torch.nn.BatchNorm2d)][-1].weight.fill_(0.1)
    for bn in bns:
        bn.reset_running_stats()
        bn.momentum = None  # cumulative average over the batch below
    model.train()(torch.stack([letterbox(im, (size, size))[0] for im in images]))
    for bn in bns:
        bn.momentum = 0.03
    return model.eval()


def exported_file(model: torch.nn.Module, fmt: str, folder: Path, threads: int, images: list) -> Callable:
    path = folder / ("model.onnx" if fmt == "onnx" else "model.pt")
    t0 = time.perf_counter()
    export_model(model, path, fmt, batch=1, outputs="decoded")
    exported = load_exported(path, threads=threads)
    comps = check_export(exported, model, images)
    worst = max(comps, key=lambda c: c.max_abs_diff / c.tol)
    print(f"  {fmt}: exported + checked in {time.perf_counter() - t0:.0f} s, {path.stat().st_size / 1e6:.1f} MB; "
          f"check passed, closest to its tolerance: {worst.output} {worst.max_abs_diff:.1e} (tol {worst.tol:.1e})",
          flush=True)
    return exported


def bench_case(case: str, args: argparse.Namespace, images: list) -> dict[str, tuple[float, float]]:
    name, size = CASES[case]
    torch.manual_seed(0)
    model = realistic_weights(build_model(name), images, size)
    x = torch.rand(1, 3, size, size) * 255  # (1, 3, H, W)
    row = {"eager fp32": time_ms(model, x, args.runs, args.warmup)}
    with tempfile.TemporaryDirectory() as tmp:
        for fmt, col in (("torchscript", "torchscript"), ("onnx", "onnxruntime")):
            exported = exported_file(model, fmt, Path(tmp), args.threads, images)
            row[col] = time_ms(exported, x, args.runs, args.warmup)
    model.fuse().to(memory_format=torch.channels_last)
    row["fused+cl"] = time_ms(model, x.contiguous(memory_format=torch.channels_last), args.runs, args.warmup)
    return row


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--threads", type=int, default=2)
    parser.add_argument("--runs", type=int, default=10)
    parser.add_argument("--warmup", type=int, default=3)
    parser.add_argument("--cases", nargs="+", default=["nano@416", "s@640"], choices=list(CASES))
    args = parser.parse_args()
    torch.set_num_threads(args.threads)
    import onnxruntime

    print(f"torch {torch.__version__}, onnxruntime {onnxruntime.__version__}, {args.threads} threads, batch 1, "
          f"min / median of {args.runs} runs after {args.warmup} warm-up")
    images = [as_image_tensor(p) for p in default_check_images()[:2]]
    rows = {}
    for case in args.cases:
        print(case, flush=True)
        rows[case] = bench_case(case, args, images)
        print("  " + ", ".join(f"{k} {v[0]:.1f}/{v[1]:.1f} ms" for k, v in rows[case].items()), flush=True)
    print("\n| case | " + " | ".join(f"{c} min / median (ms)" for c in COLUMNS) + " |")
    print("|---|" + "---|" * len(COLUMNS))
    for case, row in rows.items():
        eager = row["eager fp32"][1]
        cells = [f"{row[c][0]:.1f} / {row[c][1]:.1f}" + ("" if c == "eager fp32" else f" ({eager / row[c][1]:.2f}x)")
                 for c in COLUMNS]
        print(f"| {case} | " + " | ".join(cells) + " |")


if __name__ == "__main__":
    main()
