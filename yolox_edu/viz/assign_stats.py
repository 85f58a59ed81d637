"""Assignment statistics over a dataset, drawn (notebook 06): positives per gt against gt size for several
rules and checkpoints, the pyramid level of those positives by size, and the gts left without positives.

The numbers come from ``yolox_edu.assign.stats``; this module only draws them.
"""

from __future__ import annotations

import matplotlib.pyplot as plt
import numpy as np
from matplotlib.figure import Figure

from yolox_edu.assign.stats import AssignmentStats

__all__ = ["plot_assignment_stats", "SIZE_EDGES"]

SIZE_EDGES: tuple[float, ...] = (0, 16, 32, 64, 128, 1e9)  # √(w·h) bins in input pixels
LEVEL_COLORS = ("#4c72b0", "#dd8452", "#55a868", "#c44e52", "#8172b3")


def _bin_labels(edges: tuple[float, ...]) -> list[str]:
    return [f"{lo:g}–{hi:g}" if hi < 1e8 else f"≥ {lo:g}" for lo, hi in zip(edges[:-1], edges[1:])]


def plot_assignment_stats(stats: dict[str, AssignmentStats], edges: tuple[float, ...] = SIZE_EDGES) -> Figure:
    """One line per entry of ``stats`` (label → statistics): mean positives per gt by size bin (top), and per
    entry the share of its positives on each level by size bin (bottom). Titles count the gts left with 0."""
    labels = list(stats)
    bins = _bin_labels(edges)
    x = np.arange(len(bins))
    fig = plt.figure(figsize=(3.0 * max(len(labels), 3), 7.2), layout="constrained")
    top, bottom = fig.subfigures(2, 1, height_ratios=[1.1, 1])
    ax = top.subplots()
    for k, label in enumerate(labels):
        rows = stats[label].by_size(edges)
        means = [r[3] if r[2] else np.nan for r in rows]
        shift = (k - (len(labels) - 1) / 2) * 0.035  # lines that coincide stay visible side by side
        ax.plot(x + shift, means, marker="osD^vP"[k % 6], ls=("-", "--", ":")[k % 3], lw=1.6, color=f"C{k}",
                label=f"{label}: {len(stats[label].zero_positive())} of {len(stats[label].gt_size)}")
    counts = [r[2] for r in next(iter(stats.values())).by_size(edges)]
    ax.set(xticks=x, xticklabels=[f"{b}\n({c} gts)" for b, c in zip(bins, counts)], ylabel="mean positives per gt",
           xlabel="gt size √(w·h), input pixels", title="positives per gt against gt size")
    ax.set_ylim(bottom=0)
    ax.grid(alpha=0.3)
    ax.legend(fontsize=8, loc="center left", bbox_to_anchor=(1.01, 0.5), title_fontsize=8,
              title="rule · model: gts left with\n0 positives, of all gts")
    axes = bottom.subplots(1, len(labels), sharey=True)
    for ax, label in zip(np.atleast_1d(axes), labels):
        st = stats[label]
        shares = np.array([r[4] for r in st.by_size(edges)])  # (bins, L)
        base = np.zeros(len(bins))
        for lvl, name in enumerate(st.level_names):
            ax.bar(x, shares[:, lvl], bottom=base, color=LEVEL_COLORS[lvl % len(LEVEL_COLORS)], label=name)
            base += shares[:, lvl]
        ax.set_xticks(x, bins, rotation=45, fontsize=7.5)
        ax.set_title(label, fontsize=9)
    first = np.atleast_1d(axes)[0]
    first.set_ylabel("share of positives on each level")
    first.legend(fontsize=7.5, loc="lower left")
    bottom.suptitle("which level the positives are on, by gt size (√(w·h), px)", fontsize=10)
    return fig
