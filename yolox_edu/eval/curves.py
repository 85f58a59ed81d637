"""Precision–recall curves from COCO's interpolated precision array (either implementation fills it).

Figures are built with ``matplotlib.figure.Figure`` (no pyplot state, safe on headless machines);
callers save them with ``fig.savefig(path)`` or display them in a notebook.
"""

from __future__ import annotations

from collections.abc import Sequence
from pathlib import Path

import numpy as np
from matplotlib.figure import Figure

from yolox_edu.eval.scores import AREA_RANGES, IOU_THRESHOLDS, RECALL_POINTS, CocoScores

__all__ = ["plot_pr", "plot_pr_curves", "save_pr_curves"]


def plot_pr(curves: Sequence[tuple[np.ndarray, np.ndarray, str]], title: str = "") -> Figure:
    """Plot (recall, precision, label) curves on one axis with a legend."""
    fig = Figure(figsize=(8, 5), dpi=100, layout="none")  # fixed margins below, whatever rcParams say
    fig.subplots_adjust(left=0.08, right=0.78, bottom=0.1, top=0.92)  # room for the legend on the right
    ax = fig.subplots()
    for recall, precision, label in curves:
        ax.plot(recall, precision, label=label)
    ax.set(xlabel="recall", ylabel="precision", xlim=(0, 1), ylim=(0, 1.02), title=title)
    ax.grid(alpha=0.3)
    if curves:
        ax.legend(loc="center left", bbox_to_anchor=(1.01, 0.5), fontsize=8)
    return fig


def _class_curve(precision: np.ndarray, class_index: int | None) -> np.ndarray:
    """(T, R) precision of one class, or the mean over classes that have gts (-1 entries left out)."""
    if class_index is not None:
        return precision[:, :, class_index]  # (T, R)
    defined = precision > -1  # (T, R, K)
    counts = defined.sum(axis=2)  # (T, R)
    with np.errstate(invalid="ignore"):
        return np.where(counts > 0, np.where(defined, precision, 0).sum(axis=2) / np.maximum(counts, 1), -1)


def plot_pr_curves(
    scores: CocoScores, class_index: int | None = None, iou_thresholds: Sequence[float] | None = None,
    area: str = "all", max_det: int = 100,
) -> Figure:
    """PR curves of one class (``class_index`` into ``scores.class_names``) or of all classes averaged,
    one curve per IoU threshold, each labelled with its AP (the mean of its 101 points)."""
    m = [1, 10, 100].index(max_det) if scores.precision.shape[-1] == 3 else -1
    precision = _class_curve(scores.precision[..., list(AREA_RANGES).index(area), m], class_index)  # (T, R)
    wanted = IOU_THRESHOLDS if iou_thresholds is None else iou_thresholds
    curves = []
    for t, thr in enumerate(IOU_THRESHOLDS):
        if np.any(np.isclose(thr, wanted)) and np.all(precision[t] > -1):
            curves.append((RECALL_POINTS, precision[t], f"IoU {thr:.2f}  AP {precision[t].mean():.3f}"))
    name = "all classes" if class_index is None else scores.class_names[class_index]
    defined = precision[precision > -1]
    ap = f"AP@[.50:.95] {defined.mean():.3f}" if defined.size else "no ground truth"
    return plot_pr(curves, title=f"{name} — {ap} (area {area}, {max_det} dets)")


def _safe_name(name: str) -> str:
    return "".join(c if c.isalnum() or c in "-_" else "_" for c in name)


def save_pr_curves(scores: CocoScores, out_dir: str | Path) -> list[Path]:
    """Save ``pr_all.png`` and ``pr_<index>_<class>.png`` for every class with gts; returns the paths."""
    out_dir = Path(out_dir)
    out_dir.mkdir(parents=True, exist_ok=True)
    paths = []
    jobs = [(None, "all")] + [(k, f"{k:02d}_{_safe_name(n)}") for k, n in enumerate(scores.class_names)
                              if scores.per_class[n] > -1]
    for class_index, stem in jobs:
        fig = plot_pr_curves(scores, class_index)
        paths.append(out_dir / f"pr_{stem}.png")
        fig.savefig(paths[-1])
    return paths
