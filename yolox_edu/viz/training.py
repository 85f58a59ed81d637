"""Training curves from a run's ``log.jsonl`` (one JSON object per line, written by ``yolox_edu.train``).

Train lines carry ``iter``, ``epoch``, ``lr`` and the loss parts ``total``, ``iou``, ``obj``, ``cls``, ``l1``;
eval lines carry ``iter`` and the COCO metrics (``AP``, ``AP50``, …).
"""

from __future__ import annotations

import json
from pathlib import Path

import numpy as np
from matplotlib.figure import Figure

__all__ = ["read_log", "plot_training_log", "plot_run_comparison"]

LOSS_PARTS = ("total", "iou", "obj", "cls", "l1")


def read_log(path: str | Path) -> list[dict]:
    """The records of a ``log.jsonl`` (a run folder or the file itself), in order."""
    path = Path(path)
    path = path / "log.jsonl" if path.is_dir() else path
    if not path.is_file():
        raise FileNotFoundError(f"training log not found: {path} (yolox_edu.train writes OUT/log.jsonl)")
    with open(path) as f:
        return [json.loads(line) for line in f if line.strip()]


def _smooth(values: np.ndarray, window: int) -> np.ndarray:
    """Running mean over the last ``window`` values (shorter at the start)."""
    sums = np.cumsum(np.insert(values, 0, 0.0))
    idx = np.arange(1, len(values) + 1)
    lo = np.maximum(idx - window, 0)
    return (sums[idx] - sums[lo]) / (idx - lo)


MAX_EPOCH_LINES = 40  # more epoch starts than this would hatch the loss panel grey


def plot_training_log(records: list[dict], smooth: int = 10, title: str | None = None,
                      eval_set: str = "the validation set") -> Figure:
    """Left: loss parts per iteration (thin: raw, thick: running mean of ``smooth``), epoch starts as
    dotted lines (up to 40 epochs) and the L1 loss appearing in the no-augmentation tail. Right: the
    learning rate, and AP50 / AP at each evaluation (on ``eval_set``, for the axis label)."""
    train = [r for r in records if r.get("type") == "train"]
    if not train:
        raise ValueError("the log has no training records (lines with \"type\": \"train\")")
    evals = [r for r in records if r.get("type") == "eval"]
    iters = np.array([r["iter"] for r in train])
    fig = Figure(figsize=(11, 4.0), dpi=100, layout="none")
    fig.subplots_adjust(left=0.06, right=0.93, bottom=0.13, top=0.86 if title else 0.9, wspace=0.3)
    ax_loss, ax_lr = fig.subplots(1, 2)
    for k, part in enumerate(LOSS_PARTS):
        values = np.array([r[part] for r in train], float)
        if part == "l1" and not values.any():
            continue  # L1 is only on in the no-augmentation tail
        ax_loss.plot(iters, values, color=f"C{k}", lw=0.6, alpha=0.35)
        ax_loss.plot(iters, _smooth(values, smooth), color=f"C{k}", lw=2, label=part)
    starts = sorted({r["iter"] for r, prev in zip(train[1:], train) if r["epoch"] != prev["epoch"]})
    for start in starts if len(starts) <= MAX_EPOCH_LINES else ():
        ax_loss.axvline(start - 0.5, color="0.6", ls=":", lw=1)
    ax_loss.set(xlabel="iteration", ylabel="loss",
                title="loss parts" + (" (dotted: epoch starts)" if 0 < len(starts) <= MAX_EPOCH_LINES else ""))
    ax_loss.grid(alpha=0.3)
    ax_loss.legend(fontsize=9, ncols=2)
    ax_lr.plot(iters, [r["lr"] for r in train], color="black", lw=2)
    ax_lr.set(xlabel="iteration", ylabel="learning rate", title="learning rate" + (" and AP" if evals else ""))
    ax_lr.grid(alpha=0.3)
    if evals:
        ax_ap = ax_lr.twinx()
        at = [r["iter"] for r in evals]
        ax_ap.plot(at, [r["AP"] for r in evals], "s", color="tab:red", ms=7, label="AP")
        # hollow and larger, so AP50 stays visible where it equals AP (e.g. both 0 early in training)
        ax_ap.plot(at, [r["AP50"] for r in evals], "o", color="tab:orange", mfc="none", mew=2, ms=12, label="AP50")
        ax_ap.set(ylabel=f"AP on {eval_set}", ylim=(-0.03, 1.03))
        ax_ap.legend(fontsize=9, loc="center right")
    if title:
        fig.suptitle(title)
    return fig


def plot_run_comparison(runs: dict[str, list[dict]], smooth: int = 50, title: str | None = None) -> Figure:
    """Several runs' ``log.jsonl`` records side by side. Left: the total loss per iteration (running mean
    of ``smooth``). Right: AP and AP50 at each evaluation against the epoch, one colour per run
    (AP solid with squares, AP50 dashed with circles), the y axis fitted to the values."""
    if not runs:
        raise ValueError("plot_run_comparison needs at least one run")
    fig = Figure(figsize=(12, 4.2), dpi=100, layout="constrained")
    ax_loss, ax_ap = fig.subplots(1, 2)
    top = 0.0
    for k, (name, records) in enumerate(runs.items()):
        train = [r for r in records if r.get("type") == "train"]
        evals = [r for r in records if r.get("type") == "eval"]
        if not train:
            raise ValueError(f"run {name!r} has no training records")
        iters = np.array([r["iter"] for r in train])
        ax_loss.plot(iters, _smooth(np.array([r["total"] for r in train], float), smooth), color=f"C{k}", lw=2,
                     label=name)
        if evals:
            epochs = [r["epoch"] for r in evals]
            ap, ap50 = [r["AP"] for r in evals], [r["AP50"] for r in evals]
            ax_ap.plot(epochs, ap50, "o--", color=f"C{k}", ms=4, lw=1.5, label=f"{name}: AP50 (final {ap50[-1]:.3f})")
            ax_ap.plot(epochs, ap, "s-", color=f"C{k}", ms=4, lw=2, label=f"{name}: AP (final {ap[-1]:.3f})")
            top = max(top, *ap50)
    ax_loss.set(xlabel="iteration", ylabel=f"total loss (running mean of {smooth})", title="training loss")
    ax_loss.grid(alpha=0.3)
    ax_loss.legend(fontsize=9)
    ax_ap.set(xlabel="epoch", ylabel="AP / AP50 on the validation split",
              ylim=(0, max(top * 1.1, 0.05)), title="COCO AP@[.50:.95] and AP50 after each epoch")
    ax_ap.grid(alpha=0.3)
    ax_ap.legend(fontsize=9, loc="upper center", bbox_to_anchor=(0.5, -0.16), ncols=2, frameon=False)
    if title:
        fig.suptitle(title)
    return fig
