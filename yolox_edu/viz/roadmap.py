"""Figures of the roadmap (notebook 13): the measured ladder beside the paper's, anchors vs points per
cell, the coupled vs the decoupled head, and which predictions each rule makes positive."""

from __future__ import annotations

from collections.abc import Sequence
from typing import Any

import numpy as np
from matplotlib.figure import Figure
from matplotlib.patches import FancyBboxPatch, Rectangle

__all__ = ["plot_ladder", "plot_anchors_vs_points", "plot_heads", "plot_positives"]

OURS, PAPER = "tab:blue", "tab:orange"


def plot_ladder(records: Sequence[dict[str, Any]], *, paper: bool = True, title: str | None = None) -> Figure:
    """AP per rung (every seed a dot, the mean a bar) on the left axis; the paper's COCO AP on its own
    right axis (different data, model and budget: compare the steps, not the levels)."""
    from yolox_edu.roadmap.rungs import RUNGS

    rungs = [r for r in RUNGS if any(rec["rung"] == r.name for rec in records)] or list(RUNGS)
    x = np.arange(len(rungs))
    fig = Figure(figsize=(9, 4.2), layout="constrained")
    ax = fig.subplots()
    means, highest = [], 0.0
    for i, rung in enumerate(rungs):
        aps = [100 * rec["AP"] for rec in records if rec["rung"] == rung.name]
        means.append(np.mean(aps) if aps else np.nan)
        highest = max([highest, *aps])
        ax.scatter([i] * len(aps), aps, color=OURS, s=22, zorder=3)
        if len(aps) > 1:
            ax.vlines(i, min(aps), max(aps), color=OURS, lw=1.5, zorder=2)
    ax.bar(x, means, width=0.55, color=OURS, alpha=0.25, label="ours (mean; dots: seeds)")
    for i, m in enumerate(means):
        if np.isfinite(m):
            ax.annotate(f"{m:.1f}" if m >= 1 else f"{m:.2f}", (i, m), textcoords="offset points", xytext=(12, 4),
                        fontsize=8, color=OURS)
    ax.set_xticks(x, [r.label for r in rungs], rotation=15, ha="right", fontsize=9)
    ax.set_ylabel("our AP (%), val", color=OURS)
    ax.set_ylim(0, max(5.0, 2.2 * highest))  # our bars in the lower half: the paper line and legend above
    if paper:
        ax2 = ax.twinx()
        ax2.plot(x, [r.paper_ap for r in rungs], "o-", color=PAPER, label="paper: COCO AP, 300 epochs")
        for i, r in enumerate(rungs):
            ax2.annotate(f"{r.paper_ap}", (i, r.paper_ap), textcoords="offset points", xytext=(-8, 6), fontsize=8,
                         color=PAPER, ha="right")
        ax2.set_ylim(20, 50)
        ax2.set_ylabel("paper AP (%), COCO val (Table 2)", color=PAPER)
        lines = ax.get_legend_handles_labels()[0] + ax2.get_legend_handles_labels()[0]
        ax.legend(lines, [h.get_label() for h in lines], loc="upper left", fontsize=8)
    rec = records[0] if records else {}
    ax.set_title(title or f"The roadmap: {rec.get('model', '?')}, {rec.get('epochs', '?')} epochs, "
                          f"{rec.get('input_size', '?')}px, {len({r['seed'] for r in records})} seed(s)")
    return fig


def plot_anchors_vs_points(anchors: Any, stride: int = 32, cell: tuple[int, int] = (2, 2), cells: int = 5) -> Figure:
    """One cell of one level: YOLOv3's 3 anchor boxes (three predictions) vs YOLOX's one point (one prediction).

    ``anchors`` (L, K, 2) px; the level with ``stride`` (8, 16 or 32 → level 0, 1, 2) is drawn."""
    level = {8: 0, 16: 1, 32: 2}[stride]
    fig = Figure(figsize=(9, 4.4), layout="constrained")
    axes = fig.subplots(1, 2)
    i, j = cell
    cx, cy = (i + 0.5) * stride, (j + 0.5) * stride
    level_anchors = np.asarray(anchors)[level]  # (K, 2)
    half = max(cells * stride, float(level_anchors.max())) / 2 + stride  # every anchor fits in the view
    for ax, title in zip(axes, ("YOLOv3: 3 anchors per cell = 3 predictions", "YOLOX: 1 point per cell")):
        for k in range(int((cx - half) // stride), int((cx + half) // stride) + 2):
            ax.axhline(k * stride, color="0.85", lw=0.8)
            ax.axvline(k * stride, color="0.85", lw=0.8)
        ax.add_patch(Rectangle((i * stride, j * stride), stride, stride, color="tab:green", alpha=0.3))
        ax.plot(cx, cy, "o", color="k", ms=5)
        ax.set_xlim(cx - half, cx + half)
        ax.set_ylim(cy + half, cy - half)
        ax.set_xlabel("x (px)")
        ax.set_aspect("equal")
        ax.set_title(title, fontsize=10)
    colors = ("tab:blue", "tab:orange", "tab:red")
    for k, (w, h) in enumerate(level_anchors):
        axes[0].add_patch(Rectangle((cx - w / 2, cy - h / 2), w, h, fill=False, lw=2, color=colors[k],
                                    label=f"anchor {k}: {w:.0f}×{h:.0f} px"))
    axes[0].legend(loc="lower right", fontsize=8)
    axes[1].annotate("box = (tx, ty, tw, th) around\nthe cell, no prior shape", (cx, cy),
                     xytext=(cx - stride, cy - 2.5 * stride), fontsize=9, arrowprops=dict(arrowstyle="->"))
    fig.suptitle(f"stride {stride} level (grid lines every {stride} px), cell (i={i}, j={j}) in green", fontsize=10)
    return fig


def _box(ax: Any, xy: tuple[float, float], text: str, color: str, w: float = 2.2, h: float = 0.7) -> None:
    ax.add_patch(FancyBboxPatch((xy[0] - w / 2, xy[1] - h / 2), w, h, boxstyle="round,pad=0.05", fc=color,
                                ec="0.3", alpha=0.9))
    ax.text(xy[0], xy[1], text, ha="center", va="center", fontsize=8)


def _arrow(ax: Any, a: tuple[float, float], b: tuple[float, float]) -> None:
    ax.annotate("", b, xytext=a, arrowprops=dict(arrowstyle="->", color="0.3"))


def plot_heads(num_classes: int = 80, channels: int = 256) -> Figure:
    """Block diagrams of one level: YOLOv3's coupled head vs YOLOX's decoupled head (per anchor-free point)."""
    c, n = channels, num_classes
    fig = Figure(figsize=(10, 4.2), layout="constrained")
    axes = fig.subplots(1, 2)
    for ax in axes:
        ax.set_xlim(0, 10)
        ax.set_ylim(0, 6)
        ax.axis("off")
    a = axes[0]
    a.set_title("coupled (YOLOv3): one branch for everything", fontsize=10)
    _box(a, (1.5, 3), f"FPN feature\n{c} ch", "0.9")
    _box(a, (4.5, 3), f"3×3 conv\n{c}→{2 * c}, BN, act", "#c6dbef")
    _box(a, (8, 3), f"1×1 conv → 3·(4+1+{n})\n= {3 * (5 + n)} ch\nbox | obj | cls\nper anchor", "#fdd0a2", w=3,
         h=1.5)
    _arrow(a, (2.6, 3), (3.4, 3))
    _arrow(a, (5.6, 3), (6.5, 3))
    d = axes[1]
    d.set_title("decoupled (YOLOX): classification apart from box + obj", fontsize=10)
    _box(d, (1.2, 3), f"FPN feature\n{c} ch", "0.9", w=2)
    _box(d, (3.5, 3), "1×1 stem\n→ 256 ch", "#c6dbef", w=1.8)
    _box(d, (6, 4.6), "2 × 3×3 conv\n256 ch", "#c6dbef", w=2)
    _box(d, (6, 1.4), "2 × 3×3 conv\n256 ch", "#c6dbef", w=2)
    _box(d, (8.9, 4.6), f"1×1 → cls\n{n} ch", "#fdd0a2", w=1.8)
    _box(d, (8.9, 2.0), "1×1 → box\n4 ch", "#fdd0a2", w=1.8)
    _box(d, (8.9, 0.8), "1×1 → obj\n1 ch", "#fdd0a2", w=1.8)
    for a_, b_ in (((2.2, 3), (2.6, 3)), ((4.4, 3), (5, 4.5)), ((4.4, 3), (5, 1.5)), ((7, 4.6), (8, 4.6)),
                   ((7, 1.4), (8, 2.0)), ((7, 1.4), (8, 0.8))):
        _arrow(d, a_, b_)
    return fig


def plot_positives(image: np.ndarray, gt_boxes: np.ndarray, panels: Sequence[tuple[str, np.ndarray]]) -> Figure:
    """The same image under several rules: each panel marks the centres of its positive predictions.

    ``gt_boxes`` (G, 4) cxcywh px; ``panels`` = (title, (F, 2) pixel centres of the positives), the count
    of positives is added to each title."""
    fig = Figure(figsize=(4 * len(panels), 4.3), layout="constrained")
    axes = np.atleast_1d(fig.subplots(1, len(panels)))
    for ax, (title, centres) in zip(axes, panels):
        ax.imshow(image)
        for cx, cy, w, h in np.asarray(gt_boxes):
            ax.add_patch(Rectangle((cx - w / 2, cy - h / 2), w, h, fill=False, color="lime", lw=1.5))
        centres = np.asarray(centres).reshape(-1, 2)
        ax.scatter(centres[:, 0], centres[:, 1], s=14, color="red", edgecolor="white", linewidths=0.5, zorder=3)
        ax.set_title(f"{title}: {len(centres)} positives", fontsize=10)
        ax.axis("off")
    return fig
