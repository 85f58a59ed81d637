"""The figure of ``yolox_edu.data.stats``: boxes per class, and box sides against YOLOX's strides."""

from __future__ import annotations

import numpy as np
from matplotlib.figure import Figure

from yolox_edu.data.stats import STRIDES, DatasetStats

__all__ = ["plot_dataset_stats"]


def plot_dataset_stats(stats: DatasetStats, title: str | None = None) -> Figure:
    """Left: boxes per class (counts written on the bars). Right: a histogram of box sides at the input
    size on a log axis, with the strides 8 / 16 / 32 marked and the share of boxes below one stride-8 cell."""
    fig = Figure(figsize=(12, 3.8), layout="constrained")
    ax_cls, ax_size = fig.subplots(1, 2, width_ratios=[2, 3])
    names, counts = list(stats.class_counts), list(stats.class_counts.values())
    bars = ax_cls.barh(names, counts, color="tab:blue")
    ax_cls.bar_label(bars, padding=3, fontsize=9)
    ax_cls.invert_yaxis()
    ax_cls.set_xlim(0, max(max(counts, default=0), 1) * 1.18)
    ax_cls.set(xlabel="boxes", title=f"boxes per class ({stats.split}: {stats.num_images} images)")
    ax_cls.grid(axis="x", alpha=0.3)
    h, w = stats.input_hw
    sides = stats.sides[stats.sides > 0]
    if len(sides):
        bins = np.geomspace(max(sides.min() * 0.9, 1.0), max(sides.max() * 1.1, 2.0), 30)
        ax_size.hist(sides, bins=bins, color="tab:gray", edgecolor="white")
    ax_size.set_xscale("log")
    for stride, color in zip(STRIDES, ("tab:red", "tab:orange", "tab:green")):
        ax_size.axvline(stride, color=color, lw=2, ls="--", label=f"stride {stride} (P{int(np.log2(stride))} cell)")
    tiny = float((stats.sides < STRIDES[0]).mean()) if len(stats.sides) else 0.0
    ax_size.set(xlabel=f"box side sqrt(w·h) at the {w}×{h} input (pixels, log scale)", ylabel="boxes",
                title=f"box sizes as the model sees them: {tiny:.0%} smaller than one stride-8 cell")
    ax_size.legend(fontsize=9, loc="upper center", bbox_to_anchor=(0.5, -0.18), ncols=3, frameon=False)
    ax_size.grid(alpha=0.3, which="both")
    if title:
        fig.suptitle(title)
    return fig
