"""YOLOX in one picture: backbone → neck → decoupled head → decode → NMS, with a model's real shapes.

The shapes come from ``meta_feature_shapes`` (a forward pass on the meta device), so the picture is true
for whichever model and input size it is given.
"""

from __future__ import annotations

import matplotlib.pyplot as plt
from matplotlib.figure import Figure
from matplotlib.patches import FancyBboxPatch
from torch import nn

from yolox_edu.model_stats import meta_feature_shapes

__all__ = ["yolox_overview", "overview_shapes"]

STAGE_COLORS = {"input": "#e8e8e8", "backbone": "#cfe2ff", "neck": "#d1f0d8", "head": "#ffe5c2",
                "decode": "#f3d6f5", "nms": "#fbd0d0"}


def overview_shapes(model: nn.Module, input_size: int) -> dict[str, tuple[int, ...]]:
    """Shapes of the backbone's three outputs (``C3..C5``), the neck's (``P3..P5``) and the head's maps."""
    shapes = meta_feature_shapes(model, {"C": model.backbone.backbone, "P": model.backbone, "head": model.head},
                                 input_size)
    return {**{f"C{k + 3}": shapes[f"C[{k}]"] for k in range(3)}, **{f"P{k + 3}": shapes[f"P[{k}]"] for k in range(3)},
            **{f"head{k + 3}": shapes[f"head[{k}]"] for k in range(3)}}


def _box(ax, x: float, y: float, text: str, color: str, w: float = 0.15, h: float = 0.17, size: float = 8.5) -> None:
    ax.add_patch(FancyBboxPatch((x - w / 2, y - h / 2), w, h, boxstyle="round,pad=0.008", facecolor=color,
                                edgecolor="#555555", linewidth=0.8))
    ax.text(x, y, text, ha="center", va="center", fontsize=size)


def _arrow(ax, start: tuple[float, float], end: tuple[float, float]) -> None:
    ax.annotate("", xy=end, xytext=start, arrowprops=dict(arrowstyle="->", color="#444444", lw=1.0))


def yolox_overview(model: nn.Module, input_size: int = 640, num_classes: int | None = None) -> Figure:
    """One figure of the whole detector for ``model`` at ``input_size``: every stage with its tensor shapes."""
    s = overview_shapes(model, input_size)
    c = num_classes or s["head3"][1] - 5
    fig, ax = plt.subplots(figsize=(13, 4.6))
    ax.set_xlim(0, 1)
    ax.set_ylim(0, 1)
    ax.set_axis_off()
    xs = [0.06, 0.22, 0.40, 0.59, 0.77, 0.93]
    ys = [0.72, 0.45, 0.18]  # strides 8, 16, 32
    heads = ["input", "backbone\n(CSPDarknet)", "neck\n(PAFPN: top-down + bottom-up)", "decoupled head\n(per level)",
             "decode\n(grid + stride)", "score filter\n+ NMS"]
    for x, title in zip(xs, heads):
        ax.text(x, 0.97, title, ha="center", va="top", fontsize=9.5, fontweight="bold")
    _box(ax, xs[0], 0.45, f"image\n3×{input_size}×{input_size}\nRGB, 0–255", STAGE_COLORS["input"], w=0.1)
    points = []
    for k, y in enumerate(ys):
        stride = 2 ** (k + 3)
        _, ch, h, w = s[f"C{k + 3}"]
        _box(ax, xs[1], y, f"C{k + 3}: {ch}×{h}×{w}\nstride {stride}", STAGE_COLORS["backbone"])
        p = s[f"P{k + 3}"]
        _box(ax, xs[2], y, f"P{k + 3}: {p[1]}×{p[2]}×{p[3]}", STAGE_COLORS["neck"])
        _box(ax, xs[3], y, f"reg 4 · obj 1 · cls {c}\n→ {5 + c}×{h}×{w}", STAGE_COLORS["head"], w=0.16)
        if k == 0:
            _arrow(ax, (xs[0] + 0.05, 0.45), (xs[1] - 0.075, y))
        else:  # the backbone is one chain: each stage halves the resolution of the previous one
            _arrow(ax, (xs[1], ys[k - 1] - 0.085), (xs[1], y + 0.085))
        _arrow(ax, (xs[1] + 0.075, y), (xs[2] - 0.075, y))
        _arrow(ax, (xs[2] + 0.075, y), (xs[3] - 0.08, y))
        _arrow(ax, (xs[3] + 0.08, y), (xs[4] - 0.075, 0.45))
        points.append(h * w)
    total = sum(points)
    _box(ax, xs[4], 0.45, f"{' + '.join(map(str, points))}\n= {total} points\neach: box cx,cy,w,h\n"
                          f"obj × cls = score", STAGE_COLORS["decode"], w=0.15, h=0.3)
    _box(ax, xs[5], 0.45, "keep score ≥ conf\nNMS per class\n→ N boxes\n(xyxy, score,\nclass)",
         STAGE_COLORS["nms"], w=0.11, h=0.3)
    _arrow(ax, (xs[4] + 0.075, 0.45), (xs[5] - 0.055, 0.45))
    ax.text(0.5, 0.02, f"{model.cfg.name if hasattr(model, 'cfg') else type(model).__name__} at {input_size}×"
                       f"{input_size}: shapes are channels × height × width for one image", ha="center",
            fontsize=8.5, color="#444444")
    return fig
