"""Figures for ``yolox_edu.eval.errors``: true positives, errors and misses on an image, the error
breakdown as bars, the confusion matrix, and precision / recall / F1 against the confidence threshold."""

from __future__ import annotations

from collections.abc import Mapping, Sequence

import numpy as np
from matplotlib.axes import Axes
from matplotlib.figure import Figure
from matplotlib.patches import Rectangle

from yolox_edu.eval.errors import DETECTION_KINDS, ErrorBreakdown, ImageErrors, ThresholdSweep
from yolox_edu.viz.figures import _put_caption, show_image

__all__ = ["OUTCOME_COLORS", "OUTCOME_NAMES", "plot_image_errors", "plot_error_breakdown", "plot_confusion_matrix",
           "plot_threshold_sweep"]

# one colour per outcome, the same in every figure of notebook 10 (colour-blind safe Okabe-Ito hues)
OUTCOME_COLORS = {"tp": (0.0, 0.62, 0.45), "missed": (0.94, 0.89, 0.26), "dup": (0.8, 0.47, 0.65),
                  "cls": (0.0, 0.45, 0.7), "loc": (0.9, 0.62, 0.0), "bkg": (0.84, 0.37, 0.0),
                  "ignored": (0.6, 0.6, 0.6)}
OUTCOME_NAMES = {"tp": "true positive", "dup": "duplicate", "cls": "class confusion", "loc": "localisation",
                 "bkg": "background", "missed": "missed gt", "ignored": "on a crowd region"}


def _xyxy(boxes: np.ndarray) -> np.ndarray:
    return np.c_[boxes[:, :2], boxes[:, :2] + boxes[:, 2:]]  # (N, 4)


def plot_image_errors(image: np.ndarray, arrays: Mapping[str, np.ndarray], errors: ImageErrors,
                      names: Mapping[int, str], ax: Axes | None = None, title: str | None = None,
                      fontsize: float = 9.0) -> Axes:
    """One image: gts a true positive took (thin white), missed gts (thick yellow, dashed), and every kept
    detection coloured by its outcome, captioned "kind class score". ``arrays``: ``image_arrays``' dict;
    ``names``: category id → name."""
    ax = show_image(image, ax, title)
    h, w = np.asarray(image).shape[:2]
    taken: list[tuple[float, ...]] = []
    gt_xyxy, det_xyxy = _xyxy(arrays["gt_boxes"]), _xyxy(arrays["det_boxes"])
    for (x1, y1, x2, y2), label, missed in zip(gt_xyxy, arrays["gt_labels"], errors.missed):
        color = OUTCOME_COLORS["missed"] if missed else (1.0, 1.0, 1.0)
        ax.add_patch(Rectangle((x1, y1), x2 - x1, y2 - y1, fill=False, edgecolor=color, lw=3.0 if missed else 1.0,
                               ls="--" if missed else "-"))
        if missed:
            _put_caption(ax, f"missed {names[int(label)]}", (x1, y1, x2, y2), (h, w), color, fontsize, taken)
    order = np.argsort(-arrays["det_scores"], kind="stable")
    for d in order:
        kind, (x1, y1, x2, y2) = str(errors.kinds[d]), det_xyxy[d]
        color = OUTCOME_COLORS[kind]
        ax.add_patch(Rectangle((x1, y1), x2 - x1, y2 - y1, fill=False, edgecolor=color, lw=2.0,
                               ls="-" if kind == "tp" else (0, (4, 2))))
        name = names[int(arrays["det_labels"][d])]
        if kind == "cls" and errors.gt_index[d] >= 0:
            name = f"{name}, is {names[int(arrays['gt_labels'][errors.gt_index[d]])]}"
        text = f"{'TP' if kind == 'tp' else kind} {name} {arrays['det_scores'][d]:.2f}"
        _put_caption(ax, text, (x1, y1, x2, y2), (h, w), color, fontsize, taken)
    ax.set_xlim(-0.5, w - 0.5)
    ax.set_ylim(h - 0.5, -0.5)
    return ax


def plot_error_breakdown(breakdown: ErrorBreakdown, ax: Axes | None = None) -> Axes:
    """Horizontal bars: true positives, each error kind and the missed gts, counted and labelled."""
    if ax is None:
        ax = Figure(figsize=(7.5, 3.2), layout="constrained").subplots()
    kinds = [k for k in DETECTION_KINDS if k != "ignored" or breakdown.counts[k]] + ["missed"]
    counts = [breakdown.counts[k] for k in kinds]
    bars = ax.barh([OUTCOME_NAMES[k] for k in kinds], counts, color=[OUTCOME_COLORS[k] for k in kinds],
                   edgecolor="black", lw=0.5)
    ax.bar_label(bars, padding=3, fontsize=10)
    ax.invert_yaxis()
    ax.set_xlim(0, max(max(counts), 1) * 1.15)
    ax.set_xlabel("count (detections; last bar: ground truths)")
    ax.set_title(f"what the kept detections are (score ≥ {breakdown.conf_thresh:g})")
    ax.grid(axis="x", alpha=0.3)
    return ax


def plot_confusion_matrix(matrix: np.ndarray, names: Sequence[str], ax: Axes | None = None,
                          title: str | None = None) -> Axes:
    """Counts as a heat map (rows: true class + background; columns: predicted class + missed), every cell
    written out; the diagonal is what was right."""
    if ax is None:
        ax = Figure(figsize=(6.4, 5.4), layout="constrained").subplots()
    image = ax.imshow(np.log1p(matrix), cmap="Blues")
    k = len(names)
    for i in range(k):
        for j in range(k):
            if i == j == k - 1:
                continue  # (no object, no detection): nothing to count
            dark = np.log1p(matrix[i, j]) > 0.6 * np.log1p(matrix.max())
            ax.text(j, i, str(matrix[i, j]), ha="center", va="center", fontsize=10,
                    color="white" if dark else "black", fontweight="bold" if i == j else "normal")
    rows = [*names[:-1], "background"]
    cols = [*names[:-1], "missed"]
    ax.set_xticks(range(k), cols, rotation=30, ha="right")
    ax.set_yticks(range(k), rows)
    ax.set_xlabel("predicted class (last column: no detection)")
    ax.set_ylabel("true class (last row: no object)")
    ax.axhline(k - 1.5, color="black", lw=1)
    ax.axvline(k - 1.5, color="black", lw=1)
    cbar = ax.figure.colorbar(image, ax=ax, shrink=0.8)
    ticks = [t for t in (0, 1, 3, 10, 30, 100, 300, 1000) if t <= matrix.max()]
    cbar.set_ticks(np.log1p(ticks), labels=[str(t) for t in ticks])
    cbar.set_label("count (log scale)")
    ax.set_title(title or "confusion matrix")
    return ax


def plot_threshold_sweep(sweep: ThresholdSweep, chosen: float | None = None, ax: Axes | None = None) -> Axes:
    """Precision, recall and F1 of the kept detections against the confidence threshold; ``chosen`` marked."""
    if ax is None:
        ax = Figure(figsize=(7.0, 3.8), layout="constrained").subplots()
    for values, name, color in ((sweep.precision, "precision", "tab:blue"), (sweep.recall, "recall", "tab:orange"),
                                (sweep.f1, "F1", "black")):
        ax.plot(sweep.thresholds, values, "o-", ms=4, lw=2, color=color, label=name)
    if chosen is not None:
        k = int(np.argmin(np.abs(sweep.thresholds - chosen)))
        ax.axvline(chosen, color="tab:red", ls="--", lw=1.5,
                   label=f"chosen {chosen:g}: P {sweep.precision[k]:.2f}, R {sweep.recall[k]:.2f}")
    ax.set(xlabel="confidence threshold (keep score ≥ t)", ylabel="value", ylim=(0, 1.05), xlim=(0, 1),
           title=f"deployment: precision / recall at IoU ≥ {sweep.iou_thresh:g}, all classes pooled")
    ax.grid(alpha=0.3)
    ax.legend(loc="lower left", fontsize=9)
    return ax
