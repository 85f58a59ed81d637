"""Drawing a ``SimOTAView``: the image, one panel per pyramid level zoomed on the gt, and a side panel.

Each level panel shows the image under that level's grid cells (one cell = one anchor point), coloured
by what the selected step is about: which region a point is in, a cost part, the IoU of its predicted
box, or the final positives. Colour scales are shared by the three levels of a row.
"""

from __future__ import annotations

from dataclasses import dataclass
from enum import IntEnum

import numpy as np
import torch
from matplotlib import colormaps
from matplotlib.colors import ListedColormap, LogNorm, Normalize
from matplotlib.figure import Figure
from matplotlib.lines import Line2D
from matplotlib.patches import Patch, Rectangle

from yolox_edu.assign import fitting_level, in_box_mask
from yolox_edu.assign.trace import point_levels
from yolox_edu.boxes import cxcywh_to_xyxy
from yolox_edu.grid import Grid
from yolox_edu.viz.figures import as_display_image, mpl_color, show_boxes
from yolox_edu.viz.level_points import cells, grid_lines, level_map, level_start
from yolox_edu.viz.simota_view import SimOTAView

__all__ = ["plot_simota_view", "Region", "REGION_COLORS", "REGION_NAMES", "region_names", "cheap_region"]


class Region(IntEnum):
    """The categories of the "candidates" step: one per point, for the selected gt."""

    BOX_ONLY = 0
    CENTER_ONLY = 1
    NO_PENALTY = 2
    BOX_NOT_CANDIDATE = 3
    PATCH = 4


REGION_COLORS = {Region.BOX_ONLY: "#4c72b0", Region.CENTER_ONLY: "#dd8452", Region.NO_PENALTY: "#55a868",
                 Region.BOX_NOT_CANDIDATE: "#c8c8c8", Region.PATCH: "#8172b3"}
REGION_NAMES = {  # under the 0.3.0 rule; region_names adapts them to the rule
    Region.BOX_ONLY: "in box only",
    Region.CENTER_ONLY: "in center only",
    Region.NO_PENALTY: "in box AND center (no penalty)",
    Region.BOX_NOT_CANDIDATE: "in box, not a candidate",
    Region.PATCH: "patch cell (center rule)",
}


@dataclass
class Row:
    """One row of level panels: its label, per-point values (NaN: not drawn), the colour map and scale.

    ``penalised`` (A,) bool marks points drawn with ×; ``log`` draws the values on a log colour scale."""

    label: str
    values: torch.Tensor | None
    cmap: str | None
    norm: Normalize | None = None
    penalised: torch.Tensor | None = None
    log: bool = False


def cheap_region(settings: dict) -> str:
    """How the rule's no-penalty region reads: "in box AND center" (0.3.0) or "in center" (box ignored)."""
    return "in box AND center" if settings.get("box_candidates", True) else "in center"


def region_names(settings: dict) -> dict[Region, str]:
    """The names of the region categories under the rule of ``settings`` (a trace's settings)."""
    names = dict(REGION_NAMES)
    if not settings.get("box_candidates", True):  # the later rule: the centre square alone decides
        names[Region.NO_PENALTY] = "in center (no penalty; the box is not looked at)"
        names[Region.BOX_NOT_CANDIDATE] = "in box, outside the center square: not a candidate"
    return names
CHOSEN = "#00e5ff"  # outline of the k cheapest points
TOP_IOU = "#ff1744"  # outline of the points whose IoUs are summed for k


def _crop(view: SimOTAView, grid: Grid, level: int) -> tuple[float, float, float]:
    """A square window (x0, y0, side) on one level: the gt and the cells of that level its steps touch.

    Each level gets its own zoom, so its cells are drawn at a similar size on every level.
    """
    t, g = view.trace, view.gt
    s = float(grid.strides[level_start(grid, level)])
    points = torch.cat((t.eligible[g].nonzero()[:, 0], t.candidates[t.matching[g]]))  # (P,)
    points = points[point_levels(points, grid) == level]
    box = cxcywh_to_xyxy(view.image.gt_boxes[g])  # (4,)
    lo, hi = box[:2], box[2:]
    if len(points):
        x1y1 = grid.cells[points] * s  # (P, 2)
        lo, hi = torch.minimum(lo, x1y1.min(0).values), torch.maximum(hi, x1y1.max(0).values + s)
    side = max(float((hi - lo).max()) + s, 4 * s)
    h, w = view.image.image.shape[1:]
    x0 = min(max(float(lo[0] + hi[0]) / 2 - side / 2, 0.0), max(w - side, 0.0))
    y0 = min(max(float(lo[1] + hi[1]) / 2 - side / 2, 0.0), max(h - side, 0.0))
    return x0, y0, side


def _regions(view: SimOTAView, grid: Grid) -> torch.Tensor:
    """``Region`` of each point for the selected gt, as a float (NaN: none)."""
    t, g = view.trace, view.gt
    out = torch.full((grid.num_points,), float("nan"))  # (A,)
    if "patch" in t.settings:
        out[t.eligible[g]] = float(Region.PATCH)
        return out
    in_box = in_box_mask(view.image.gt_boxes[g:g + 1], grid.centers)[0]  # (A,) bool
    out[in_box & ~t.eligible[g]] = float(Region.BOX_NOT_CANDIDATE)
    out[t.eligible[g] & ~in_box] = float(Region.CENTER_ONLY)
    out[in_box & t.eligible[g]] = float(Region.BOX_ONLY)
    out[t.cheap[g]] = float(Region.NO_PENALTY)
    return out


def _rows(view: SimOTAView, grid: Grid) -> list[Row]:
    """What each row of level panels colours. Penalised points are marked ×; their colour is the cost
    without the penalty. Costs use a log colour scale, so the cheapest points stand apart."""
    t, g, step = view.trace, view.gt, view.settings["step"]

    def over_candidates(x: torch.Tensor) -> torch.Tensor:
        out = torch.full((grid.num_points,), float("nan"))  # (A,)
        out[t.candidates] = x.float()
        return out

    if step == "after conflicts":
        return [Row("final positives", None, None)]
    if step == "candidates" or (t.cost is None and step == "chosen"):
        return [Row("candidate region", _regions(view, grid), "regions")]
    ious = Row("IoU of the point's predicted box\nwith the gt", over_candidates(t.ious[g]), "viridis", Normalize(0, 1))
    if t.cost is None:  # center rules use neither a cost nor the IoUs
        return [ious]
    penalty = t.settings["penalty"]
    penalised = t.cost[g] >= penalty  # (N,) bool
    weight = t.settings["iou_weight"]
    total = Row(f"total cost, log scale (×: + penalty\n{penalty:.0e} outside {cheap_region(t.settings)})",
                over_candidates(t.cost[g] - penalty * penalised), "magma_r",
                penalised=over_candidates(penalised) > 0, log=True)
    if step == "cost parts":
        return [Row("class cost, log scale\nBCE(√(cls·obj), one-hot)", over_candidates(t.cls_cost[g]), "magma_r",
                    log=True),
                Row(f"IoU cost × {weight:g}, log scale\n= −{weight:g}·log(IoU)",
                    over_candidates(weight * t.iou_cost[g]), "magma_r", log=True), total]
    return [ious if step == "dynamic k" else total]


def _in_crop(grid: Grid, level: int, crop) -> np.ndarray:
    """(h, w) mask of the level's cells whose centre is inside the crop window."""
    x0, y0, side = crop
    s, (h, w) = float(grid.strides[level_start(grid, level)]), grid.level_shapes[level]
    cx, cy = (np.arange(w) + 0.5) * s, (np.arange(h) + 0.5) * s
    return ((cy[:, None] > y0) & (cy[:, None] < y0 + side)) & ((cx[None] > x0) & (cx[None] < x0 + side))


LOG_FLOOR = 0.05  # costs below this share its colour on a log scale (a perfect IoU costs 0)


def _norm(maps: list[np.ndarray], grid: Grid, crops: list, log: bool = False) -> Normalize:
    """A colour scale over the finite values in view, shared by the levels of a row."""
    vals = np.concatenate([m[_in_crop(grid, lv, c) & np.isfinite(m)] for lv, (m, c) in enumerate(zip(maps, crops))])
    if not len(vals):
        return Normalize(0, 1)
    lo, hi = float(vals.min()), float(vals.max())
    if log:
        lo = max(lo, LOG_FLOOR)
        return LogNorm(lo, hi if hi > lo else lo * 10, clip=True)
    return Normalize(lo, hi if hi > lo else lo + 1)


def _colours(row: Row, maps: list[np.ndarray], grid: Grid, crops: list):
    if row.cmap == "regions":
        return ListedColormap(list(REGION_COLORS.values())), Normalize(-0.5, len(REGION_COLORS) - 0.5)
    return colormaps[row.cmap], row.norm or _norm(maps, grid, crops, row.log)


def _draw_row(fig: Figure, axes: list, cax, row: Row, view: SimOTAView, grid: Grid, crops: list) -> None:
    """One row of level panels: the image crop, the cells coloured by the row's values, the gt box."""
    image = (0.55 * as_display_image(view.image.image) + 0.45 * 255).astype(np.uint8)  # faded, drawn opaque
    levels = range(len(axes))
    maps = [level_map(row.values, grid, lv) for lv in levels] if row.values is not None else None
    mappable, (cmap, norm) = None, _colours(row, maps, grid, crops) if maps is not None else (None, None)
    for lv, ax in enumerate(axes):
        s, (h, w) = float(grid.strides[level_start(grid, lv)]), grid.level_shapes[lv]
        x0, y0, side = crops[lv]
        i0, j0, i1, j1 = int(x0), int(y0), int(np.ceil(x0 + side)), int(np.ceil(y0 + side))
        ax.imshow(image[j0:j1, i0:i1], extent=(i0, i1, j1, j0), interpolation="nearest")
        if maps is not None:
            mappable = ax.imshow(maps[lv], cmap=cmap, norm=norm, alpha=0.85, extent=(0, w * s, h * s, 0),
                                 interpolation="nearest")
        if row.penalised is not None:
            ys, xs = np.nonzero(level_map(row.penalised, grid, lv) & _in_crop(grid, lv, crops[lv]))
            ax.scatter((xs + 0.5) * s, (ys + 0.5) * s, marker="x", s=30, color="white", linewidths=1.3, zorder=3)
        grid_lines(ax, s, crops[lv])
        _gt_box(ax, view)
        ax.set(xlim=(x0, x0 + side), ylim=(y0 + side, y0), xticks=[], yticks=[])
        ax.set_title(f"stride {s:g}: {w}×{h} points", fontsize=9)
    axes[0].set_ylabel(row.label, fontsize=9)
    if mappable is None or row.cmap == "regions":
        cax.set_axis_off()
    else:
        fig.colorbar(mappable, cax=cax)


def _overlay(axes: list, view: SimOTAView, grid: Grid) -> None:
    """Marks of the selected step on the last row: center squares, top IoUs, chosen points, winners."""
    t, g, step = view.trace, view.gt, view.settings["step"]
    levels = point_levels(t.candidates, grid)  # (N,)
    for lv, ax in enumerate(axes):
        on_level = levels == lv  # (N,) bool
        if step == "candidates":
            _center_square(ax, view, grid, lv)
        elif step == "dynamic k" and t.top_ious is not None:
            top = torch.zeros_like(on_level)
            top[t.ious[g].topk(len(view.top_ious)).indices] = True
            ax.add_collection(cells(t.candidates[top & on_level], grid, facecolor="none", edgecolor=TOP_IOU,
                                     linewidth=2.0))
        elif step == "chosen":
            ax.add_collection(cells(t.candidates[t.matching[g] & on_level], grid, facecolor="none",
                                     edgecolor=CHOSEN, linewidth=2.2))
        elif step == "after conflicts":
            _final(ax, view, grid, on_level)
    _level_notes(axes, view, grid)


def _center_square(ax, view: SimOTAView, grid: Grid, level: int) -> None:
    radius = view.trace.settings.get("center_radius")
    if radius is None:
        return
    cx, cy = view.image.gt_boxes[view.gt, :2].tolist()
    r = radius * float(grid.strides[level_start(grid, level)])
    ax.add_patch(Rectangle((cx - r, cy - r), 2 * r, 2 * r, fill=False, edgecolor="black", linestyle="--",
                           linewidth=1.2))


def _final(ax, view: SimOTAView, grid: Grid, on_level: torch.Tensor) -> None:
    t, g = view.trace, view.gt
    labels = view.image.gt_labels
    others = (t.matched >= 0) & (t.matched != g) & on_level  # (N,) positives of other gts
    for o in t.matched[others].unique().tolist():
        ax.add_collection(cells(t.candidates[others & (t.matched == o)], grid, alpha=0.35, edgecolor="none",
                                 facecolor=mpl_color(int(labels[o]))))
    mine = (t.matched == g) & on_level
    ax.add_collection(cells(t.candidates[mine], grid, facecolor=mpl_color(int(labels[g])), edgecolor="black",
                             linewidth=1.2, alpha=0.9))
    lost = t.matching[g] & (t.matched != g) & on_level
    ax.add_collection(cells(t.candidates[lost], grid, facecolor="none", edgecolor="red", linewidth=2.0,
                             hatch="xx"))
    for p, w in zip(t.candidates[lost].tolist(), t.matched[lost].tolist()):
        x, y = grid.centers[p].tolist()
        ax.text(x, y, str(w), ha="center", va="center", fontsize=8, color="white", fontweight="bold",
                bbox=dict(boxstyle="round,pad=0.1", facecolor="red", edgecolor="none"))


def _level_notes(axes: list, view: SimOTAView, grid: Grid) -> None:
    """Per level: how many points the gt chose there; for the center rules which level the gt fits."""
    chosen, kept = view.chosen_per_level, view.positives_per_level
    fits = None
    if "patch" in view.trace.settings:
        fits = int(fitting_level(view.image.gt_boxes[view.gt], torch.unique(grid.strides)))
    for lv, ax in enumerate(axes):
        note = f"chosen {chosen[lv]}, kept {kept[lv]}" + (" · gt fits this level" if fits == lv else "")
        ax.set_xlabel(note, fontsize=9)


def _overview(ax, view: SimOTAView, grid: Grid, crop) -> None:
    img = view.image
    boxes = cxcywh_to_xyxy(img.gt_boxes)  # (G, 4)
    show_boxes(img.image, boxes, img.gt_labels, ax=ax, captions=[str(i) for i in range(len(boxes))],
               linewidth=1.2, fontsize=8)
    x1, y1, x2, y2 = boxes[view.gt].tolist()
    ax.add_patch(Rectangle((x1, y1), x2 - x1, y2 - y1, fill=False, edgecolor="white", linewidth=3.5, zorder=3))
    ax.add_patch(Rectangle((x1, y1), x2 - x1, y2 - y1, fill=False, edgecolor=mpl_color(int(img.gt_labels[view.gt])),
                           linewidth=2, zorder=4))
    x0, y0, side = crop
    ax.add_patch(Rectangle((x0, y0), side, side, fill=False, edgecolor="yellow", linestyle="--", linewidth=1.5))
    fg = view.result.fg_mask.nonzero()[:, 0]  # (F,)
    xy = grid.centers[fg]  # (F, 2)
    colors = [mpl_color(int(img.gt_labels[m])) for m in view.result.matched_gt[fg].tolist()]
    ax.scatter(xy[:, 0], xy[:, 1], s=10, c=colors, edgecolors="black", linewidths=0.4, zorder=5)
    name = img.class_names[int(img.gt_labels[view.gt])]
    ax.set_title(f"{img.key}\ngt {view.gt} ({name}) · dots: all {view.result.num_fg} positives", fontsize=9)


def _side(fig: Figure, spec, view: SimOTAView) -> None:
    ax_bar, ax_text = fig.add_subplot(spec[0]), fig.add_subplot(spec[1])
    if view.top_ious:
        n, total = len(view.top_ious), sum(view.top_ious)
        ax_bar.bar(range(1, n + 1), view.top_ious, color="#4c72b0")
        ax_bar.set(ylim=(0, 1), xlabel="rank", xticks=range(1, n + 1), yticks=(0, 0.5, 1))
        ax_bar.set_title(f"top-{n} IoUs (bars, 0–1): Σ = {total:.2f}\nk = max(1, ⌊Σ⌋) = {view.k}", fontsize=9)
        ax_bar.tick_params(labelsize=7)
    else:
        ax_bar.set_axis_off()
        ax_bar.text(0, 0.5, f"center rule: no IoUs, no cost\nk = cells of the patch\ninside the grid = {view.k}",
                    fontsize=9, va="center")
    ax_text.set_axis_off()
    ax_text.text(0, 1, _side_text(view), fontsize=8.5, va="top", family="DejaVu Sans Mono", linespacing=1.4)


def _side_text(view: SimOTAView) -> str:
    s, t = view.settings, view.trace
    knobs = (f"radius {t.settings['center_radius']:g}, top-k {s['topk']}\n  IoU weight {s['iou_weight']:g}"
             if "patch" not in t.settings else f"{t.settings['patch']}×{t.settings['patch']} patch")
    lines = [f"rule: {s['rule']}", f"  {knobs}", f"model: {s['model']}", f"k = {view.k}",
             "per level  " + "".join(f"{n:>4s}" for n in view.levels),
             "  chosen   " + "".join(f"{n:4d}" for n in view.chosen_per_level),
             "  kept     " + "".join(f"{n:4d}" for n in view.positives_per_level)]
    if view.lost:
        winners = sorted({w for _, w in view.lost})
        lines.append(f"lost {len(view.lost)} point(s) to gt {', '.join(map(str, winners))}")
        lines.append("  (red ×, number = winner)")
    else:
        lines.append("lost no point to another gt")
    return "\n".join(lines)


def _legend(fig: Figure, view: SimOTAView, grid: Grid) -> None:
    step = view.settings["step"]
    if step == "candidates" or (step == "chosen" and view.trace.cost is None):
        present = set(_regions(view, grid).nan_to_num(-1).long().tolist())
        names = region_names(view.trace.settings)
        handles = [Patch(color=c, label=names[r]) for r, c in REGION_COLORS.items() if int(r) in present]
        if view.trace.settings.get("center_radius") is not None:
            handles.append(Line2D([], [], color="black", ls="--", label="center square: ±radius·stride"))
    elif step == "after conflicts":
        color = mpl_color(int(view.image.gt_labels[view.gt]))
        handles = [Patch(facecolor=color, edgecolor="black", label=f"positive of gt {view.gt}"),
                   Patch(facecolor="none", edgecolor="red", hatch="xx", label="chosen, but won by another gt (number)"),
                   Patch(facecolor="grey", alpha=0.35, label="positive of another gt (its class colour)")]
    elif step == "dynamic k":
        handles = [Patch(facecolor="none", edgecolor=TOP_IOU, linewidth=2, label="the top IoUs summed for k")]
    elif step == "chosen":
        handles = [Patch(facecolor="none", edgecolor=CHOSEN, linewidth=2, label="the k cheapest points")]
    else:
        handles = []
    handles += [Line2D([], [], color="yellow", ls="--", lw=1.5, label="overview: the stride-32 window"),
                Patch(facecolor="none", edgecolor=mpl_color(int(view.image.gt_labels[view.gt])), linewidth=2,
                      label=f"gt {view.gt} (white halo, + centre)")]
    fig.legend(handles=handles, loc="lower center", ncol=min(len(handles), 5), fontsize=8.5, frameon=False)


def plot_simota_view(view: SimOTAView, grid: Grid) -> Figure:
    """The explorer's figure for a ``SimOTAView`` (see ``simota_explorer``).

    A fixed layout (no constrained layout): it draws in about half the time, which keeps redraws quick.
    """
    rows = _rows(view, grid)
    height = 1.6 + 2.35 * len(rows)  # inches
    # 1200 px wide at 100 dpi: text stays legible when the notebook scales the image to its width
    fig = Figure(figsize=(12, height), dpi=100, layout="none")
    # columns: overview, gap (row labels), three levels, colour bar, gap (its ticks), side panel
    gs = fig.add_gridspec(len(rows), 8, width_ratios=[1.3, 0.16, 1, 1, 1, 0.05, 0.3, 1.1], left=0.005, right=0.99,
                          bottom=0.62 / height, top=1 - 0.62 / height, wspace=0.06, hspace=0.22)
    crops = [_crop(view, grid, lv) for lv in range(len(grid.level_shapes))]
    _overview(fig.add_subplot(gs[:, 0]), view, grid, crops[-1])
    for r, row in enumerate(rows):
        axes = [fig.add_subplot(gs[r, 2 + lv]) for lv in range(len(grid.level_shapes))]
        _draw_row(fig, axes, fig.add_subplot(gs[r, 5]), row, view, grid, crops)
    _overlay(axes, view, grid)
    _legend(fig, view, grid)
    _side(fig, gs[:, 7].subgridspec(2, 1, height_ratios=[1, 1.1], hspace=0.45), view)
    fig.suptitle(f"step: {view.settings['step']}", fontsize=11, y=1 - 0.1 / height, va="top")
    return fig


def _gt_box(ax, view: SimOTAView) -> None:
    """The selected gt: its box in its class colour on a white halo, and a + at its centre."""
    x1, y1, x2, y2 = cxcywh_to_xyxy(view.image.gt_boxes[view.gt]).tolist()
    color = mpl_color(int(view.image.gt_labels[view.gt]))
    ax.add_patch(Rectangle((x1, y1), x2 - x1, y2 - y1, fill=False, edgecolor="white", linewidth=3.2))
    ax.add_patch(Rectangle((x1, y1), x2 - x1, y2 - y1, fill=False, edgecolor=color, linewidth=1.8))
    ax.plot([(x1 + x2) / 2], [(y1 + y2) / 2], marker="+", color="black", markersize=8)
