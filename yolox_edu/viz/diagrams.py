"""Block diagrams drawn from a model's real shapes: the whole detector (``yolox_overview``) and the PAFPN
neck step by step (``pafpn_diagram``).

The shapes come from ``meta_feature_shapes`` (a forward pass on the meta device), so each picture is true
for whichever model and input size it is given.
"""

from __future__ import annotations

import matplotlib.pyplot as plt
from matplotlib.axes import Axes
from matplotlib.figure import Figure
from matplotlib.patches import FancyBboxPatch
from torch import nn

from yolox_edu.model_stats import meta_feature_shapes

__all__ = ["yolox_overview", "overview_shapes", "pafpn_diagram", "pafpn_shapes"]

STAGE_COLORS = {"input": "#e8e8e8", "backbone": "#cfe2ff", "neck": "#d1f0d8", "head": "#ffe5c2",
                "decode": "#f3d6f5", "nms": "#fbd0d0"}
NECK_COLORS = {"conv": "#d1f0d8", "csp": "#a8dcb5", "up": "#fff2b3", "cat": "#ffffff", "down": "#ffd9b3"}
LEVEL_Y = (0.72, 0.45, 0.18)  # rows of strides 8, 16, 32 in the overview


def _shape(shape: tuple[int, ...]) -> str:
    return "×".join(map(str, shape[1:]))


def overview_shapes(model: nn.Module, input_size: int) -> dict[str, tuple[int, ...]]:
    """Shapes of the stem and ``dark2`` (when the backbone has them), the backbone's three outputs
    (``C3..C5``), the neck's (``P3..P5``) and the head's maps."""
    backbone = model.backbone.backbone
    modules = {"C": backbone, "P": model.backbone, "head": model.head}
    modules.update({name: getattr(backbone, name) for name in ("stem", "dark2") if hasattr(backbone, name)})
    shapes = meta_feature_shapes(model, modules, input_size)
    out = {name: shapes[name] for name in ("stem", "dark2") if name in shapes}
    for k in range(3):
        out.update({f"C{k + 3}": shapes[f"C[{k}]"], f"P{k + 3}": shapes[f"P[{k}]"],
                    f"head{k + 3}": shapes[f"head[{k}]"]})
    return out


def _box(ax: Axes, x: float, y: float, text: str, color: str, w: float = 0.15, h: float = 0.17,
         size: float = 8.5) -> None:
    ax.add_patch(FancyBboxPatch((x - w / 2, y - h / 2), w, h, boxstyle="round,pad=0.008", facecolor=color,
                                edgecolor="#555555", linewidth=0.8))
    ax.text(x, y, text, ha="center", va="center", fontsize=size)


def _arrow(ax: Axes, start: tuple[float, float], end: tuple[float, float], color: str = "#444444",
           label: str = "", style: str = "-", lw: float = 1.0) -> None:
    ax.annotate("", xy=end, xytext=start, arrowprops=dict(arrowstyle="->", color=color, lw=lw, linestyle=style,
                                                          shrinkA=0, shrinkB=0))
    if label:
        horizontal = abs(end[0] - start[0]) > abs(end[1] - start[1])
        x, y = (start[0] + end[0]) / 2, (start[1] + end[1]) / 2
        ax.text(x + (0 if horizontal else 0.006), y + (0.008 if horizontal else 0), label,
                fontsize=7.5, color=color, ha="center" if horizontal else "left",
                va="bottom" if horizontal else "center")


def yolox_overview(model: nn.Module, input_size: int = 640, num_classes: int | None = None) -> Figure:
    """One figure of the whole detector for ``model`` at ``input_size``: every stage with its tensor shapes,
    the backbone's stem and ``dark2``, and the neck's top-down (orange) and bottom-up (blue) cross-level paths."""
    s = overview_shapes(model, input_size)
    c = num_classes or s["head3"][1] - 5
    fig, ax = plt.subplots(figsize=(14, 4.8))
    fig.subplots_adjust(left=0.01, right=0.99, top=0.98, bottom=0.02)
    ax.set_xlim(-0.01, 1.0)
    ax.set_ylim(0, 1.02)
    ax.set_axis_off()
    x_in, x_stem, x_c, x_td, x_p, x_head, x_dec, x_nms = 0.04, 0.135, 0.245, 0.36, 0.46, 0.59, 0.755, 0.925
    heads = [(x_in, "input"), ((x_stem + x_c) / 2, "backbone (CSPDarknet)"),
             ((x_td + x_p) / 2, "neck (PAFPN)"), (x_head, "decoupled head\n(per level)"),
             (x_dec, "decode\n(grid + stride)"), (x_nms, "score filter\n+ NMS")]
    for x, title in heads:
        ax.text(x, 1.0, title, ha="center", va="top", fontsize=9.5, fontweight="bold")
    _box(ax, x_in, 0.45, f"image\n3×{input_size}×{input_size}\nRGB, 0–255", STAGE_COLORS["input"], w=0.07)
    stem_ys = {"stem": 0.72, "dark2": 0.45}
    for name, y in stem_ys.items():
        if name in s:
            label = "stem (Focus)" if name == "stem" else "dark2"
            _box(ax, x_stem, y, f"{label}\n{_shape(s[name])}\nstride {input_size // s[name][-1]}",
                 STAGE_COLORS["backbone"], w=0.085, h=0.15, size=8)
    if "stem" in s:
        _arrow(ax, (x_in + 0.035, 0.5), (x_stem - 0.043, 0.70))
        _arrow(ax, (x_stem, 0.645), (x_stem, 0.525))
        _arrow(ax, (x_stem + 0.043, 0.47), (x_c - 0.05, LEVEL_Y[0] - 0.03))
    else:
        _arrow(ax, (x_in + 0.035, 0.5), (x_c - 0.05, LEVEL_Y[0] - 0.03))
    points = []
    for k, y in enumerate(LEVEL_Y):
        _, ch, h, w = s[f"C{k + 3}"]
        _box(ax, x_c, y, f"C{k + 3}: {ch}×{h}×{w}\ndark{k + 3}{' + SPP' if k == 2 else ''}\nstride {2 ** (k + 3)}",
             STAGE_COLORS["backbone"], w=0.1, h=0.15, size=8)
        _box(ax, x_td, y, "top-down" if k < 2 else "1×1 lateral", STAGE_COLORS["neck"], w=0.065, h=0.09, size=7.5)
        _box(ax, x_p, y, f"P{k + 3}\n{_shape(s[f'P{k + 3}'])}", STAGE_COLORS["neck"], w=0.085, h=0.13, size=8)
        _box(ax, x_head, y, f"reg 4 · obj 1 · cls {c}\n→ {5 + c}×{h}×{w}", STAGE_COLORS["head"], w=0.14, h=0.13)
        if k > 0:
            _arrow(ax, (x_c, LEVEL_Y[k - 1] - 0.075), (x_c, y + 0.075))  # the backbone chain
            _arrow(ax, (x_td, y + 0.045), (x_td, LEVEL_Y[k - 1] - 0.045), color="tab:orange", label="↑2")
            _arrow(ax, (x_p, LEVEL_Y[k - 1] - 0.065), (x_p, y + 0.065), color="tab:blue", label="↓2")
        _arrow(ax, (x_c + 0.05, y), (x_td - 0.0325, y))
        _arrow(ax, (x_td + 0.0325, y), (x_p - 0.0425, y), color="tab:orange" if k == 0 else "#444444")
        _arrow(ax, (x_p + 0.0425, y), (x_head - 0.07, y))
        _arrow(ax, (x_head + 0.07, y), (x_dec - 0.07, 0.45))
        points.append(h * w)
    ax.text((x_td + x_p) / 2, 0.06, "orange: top-down (context → fine)\nblue: bottom-up (detail → coarse)",
            ha="center", va="center", fontsize=7.5, color="#333333")
    _box(ax, x_dec, 0.45, f"{' + '.join(map(str, points))}\n= {sum(points)} points\neach: box cx,cy,w,h\n"
                          f"obj × cls = score", STAGE_COLORS["decode"], w=0.14, h=0.3)
    _box(ax, x_nms, 0.45, "keep score ≥ conf\nNMS per class\n→ N boxes\n(xyxy, score,\nclass)",
         STAGE_COLORS["nms"], w=0.1, h=0.3)
    _arrow(ax, (x_dec + 0.07, 0.45), (x_nms - 0.05, 0.45))
    name = model.cfg.name if hasattr(model, "cfg") else type(model).__name__
    ax.text(0.5, -0.01, f"{name} at {input_size}×{input_size}: shapes are channels × height × width for one image",
            ha="center", fontsize=8.5, color="#444444")
    return fig


PAFPN_STEPS = ("lateral_conv0", "C3_p4", "reduce_conv1", "C3_p3", "bu_conv2", "C3_n3", "bu_conv1", "C3_n4")


def pafpn_shapes(model: nn.Module, input_size: int) -> dict[str, tuple[int, ...]]:
    """Output shapes of ``C3..C5`` and of every named layer of a PAFPN neck (``lateral_conv0`` … ``C3_n4``)."""
    neck = model.backbone
    missing = [n for n in PAFPN_STEPS if not hasattr(neck, n)]
    if missing:
        raise ValueError(f"pafpn_diagram needs a PAFPN neck; {type(neck).__name__} has no {missing}")
    shapes = meta_feature_shapes(model, {"C": neck.backbone, **{n: getattr(neck, n) for n in PAFPN_STEPS}},
                                 input_size)
    return {**{f"C{k + 3}": shapes[f"C[{k}]"] for k in range(3)}, **{n: shapes[n] for n in PAFPN_STEPS}}


def pafpn_diagram(model: nn.Module, input_size: int = 640) -> Figure:
    """The PAFPN forward pass as a graph with the model's real shapes: C3/C4/C5 → 1×1 laterals and the
    top-down path (nearest ×2 upsample, concat, CSP) → P3 → the bottom-up path (3×3 stride-2 conv, concat,
    CSP) → P4, P5. Every merge is a channel concat (no add); the neck's CSP layers have no residual."""
    s = pafpn_shapes(model, input_size)
    fig, ax = plt.subplots(figsize=(14, 5.6))
    fig.subplots_adjust(left=0.01, right=0.99, top=0.93, bottom=0.02)
    ax.set_xlim(0, 1.035)
    ax.set_ylim(0, 1.0)
    ax.set_axis_off()
    y5, y4, y3 = 0.80, 0.50, 0.20
    mid54, mid43 = (y5 + y4) / 2, (y4 + y3) / 2
    bw, bh = 0.095, 0.1

    def node(x, y, text, kind, w=bw, h=bh):
        _box(ax, x, y, text, NECK_COLORS[kind] if kind in NECK_COLORS else STAGE_COLORS[kind], w=w, h=h, size=7.8)

    def cat(x, y):
        ax.add_patch(plt.Circle((x, y), 0.018, facecolor="white", edgecolor="#333333", lw=1.2))
        ax.text(x, y, "cat", ha="center", va="center", fontsize=7)

    for k, y in zip((5, 4, 3), (y5, y4, y3)):
        node(0.05, y, f"C{k}\n{_shape(s[f'C{k}'])}", "backbone", w=0.08)
    # top-down
    node(0.17, y5, f"lateral_conv0\n1×1 → {_shape(s['lateral_conv0'])}\n= lat5", "conv", w=0.11)
    node(0.17, mid54, "↑2 nearest", "up", h=0.06)
    cat(0.17, y4)
    node(0.30, y4, f"C3_p4: CSP\n→ {_shape(s['C3_p4'])}", "csp")
    node(0.43, y4, f"reduce_conv1\n1×1 → {_shape(s['reduce_conv1'])}\n= lat4", "conv", w=0.11)
    node(0.43, mid43, "↑2 nearest", "up", h=0.06)
    cat(0.43, y3)
    node(0.56, y3, f"C3_p3: CSP\n→ {_shape(s['C3_p3'])}", "csp")
    node(0.98, y3, f"P3\n{_shape(s['C3_p3'])}\nstride 8", "head", w=0.085)
    # bottom-up
    node(0.69, mid43, f"bu_conv2 3×3 s2\n→ {_shape(s['bu_conv2'])}", "down", w=0.11, h=0.07)
    cat(0.69, y4)
    node(0.79, y4, f"C3_n3: CSP\n→ {_shape(s['C3_n3'])}", "csp")
    node(0.98, y4, f"P4\n{_shape(s['C3_n3'])}\nstride 16", "head", w=0.085)
    node(0.79, mid54, f"bu_conv1 3×3 s2\n→ {_shape(s['bu_conv1'])}", "down", w=0.11, h=0.07)
    cat(0.79, y5)
    node(0.865, y5, f"C3_n4: CSP\n→ {_shape(s['C3_n4'])}", "csp", w=0.085)
    node(0.98, y5, f"P5\n{_shape(s['C3_n4'])}\nstride 32", "head", w=0.07)
    td, bu, lat = "tab:orange", "tab:blue", "#444444"
    _arrow(ax, (0.09, y5), (0.115, y5), lat)
    _arrow(ax, (0.17, y5 - 0.05), (0.17, mid54 + 0.03), td)
    _arrow(ax, (0.17, mid54 - 0.03), (0.17, y4 + 0.018), td)
    _arrow(ax, (0.09, y4), (0.152, y4), lat)
    _arrow(ax, (0.188, y4), (0.2525, y4), td)
    _arrow(ax, (0.3475, y4), (0.375, y4), td)
    _arrow(ax, (0.43, y4 - 0.05), (0.43, mid43 + 0.03), td)
    _arrow(ax, (0.43, mid43 - 0.03), (0.43, y3 + 0.018), td)
    _arrow(ax, (0.09, y3), (0.412, y3), lat, label="C3 (lateral, no conv)")
    _arrow(ax, (0.448, y3), (0.5125, y3), td)
    _arrow(ax, (0.6075, y3), (0.945, y3), td)
    _arrow(ax, (0.69, y3), (0.69, mid43 - 0.035), bu)
    _arrow(ax, (0.69, mid43 + 0.035), (0.69, y4 - 0.018), bu)
    _arrow(ax, (0.485, y4), (0.672, y4), lat, label="lat4")
    _arrow(ax, (0.708, y4), (0.7425, y4), bu)
    _arrow(ax, (0.8375, y4), (0.945, y4), bu)
    _arrow(ax, (0.79, y4 + 0.05), (0.79, mid54 - 0.035), bu)
    _arrow(ax, (0.79, mid54 + 0.035), (0.79, y5 - 0.018), bu)
    _arrow(ax, (0.225, y5), (0.772, y5), lat, label="lat5")
    _arrow(ax, (0.808, y5), (0.8225, y5), bu)
    _arrow(ax, (0.9075, y5), (0.945, y5), bu)
    legend = ("cat = concatenate channels (every merge in the neck; no add)    "
              "CSP = CSPLayer with shortcut=False: no residual inside its bottlenecks\n"
              "orange: top-down path (context flows to the fine map)    blue: bottom-up path (detail flows back up)    "
              "↑2 nearest upsample, no weights;  3×3 s2 = stride-2 conv")
    ax.text(0.51, 0.015, legend, ha="center", va="bottom", fontsize=8, color="#333333")
    for y, lab in ((y5, "stride 32"), (y4, "stride 16"), (y3, "stride 8")):
        ax.text(0.005, y + 0.075, lab, fontsize=8, color="#666666")
    name = model.cfg.name if hasattr(model, "cfg") else type(model).__name__
    ax.set_title(f"PAFPN of {name} at {input_size}×{input_size} (shapes: channels × height × width)", fontsize=10)
    return fig
