"""Anchor points on the image: one panel per pyramid level with each level's grid cells, and the
points a rule marks filled in their gt's class colour (notebooks 05 and 06); also the cell-drawing
primitives the SimOTA explorer's figure is built from.
"""

from __future__ import annotations

import numpy as np
import torch
from matplotlib.collections import LineCollection, PatchCollection
from matplotlib.patches import Rectangle

from yolox_edu.assign.trace import point_levels
from yolox_edu.boxes import cxcywh_to_xyxy
from yolox_edu.grid import Grid
from yolox_edu.viz.figures import mpl_color, show_boxes

__all__ = ["plot_level_points", "level_start", "level_map", "cells", "grid_lines"]


def level_start(grid: Grid, level: int) -> int:
    return sum(h * w for h, w in grid.level_shapes[:level])


def level_map(values: torch.Tensor, grid: Grid, level: int) -> np.ndarray:
    """The (h, w) slice of a per-point (A,) tensor for one level."""
    start, (h, w) = level_start(grid, level), grid.level_shapes[level]
    return values[start:start + h * w].reshape(h, w).numpy()


def cells(points: torch.Tensor, grid: Grid, **style) -> PatchCollection:
    """One square per point covering its grid cell, in input pixels."""
    xy, s = grid.cells[points] * grid.strides[points, None], grid.strides[points]
    squares = [Rectangle((x, y), w, w) for (x, y), w in zip(xy.tolist(), s.tolist())]
    return PatchCollection(squares, match_original=False, **style)


def grid_lines(ax, stride: float, crop) -> None:
    """Thin cell borders and a dot at each point (cell centre) inside the crop window."""
    x0, y0, side = crop
    first_x, first_y = np.floor(x0 / stride) * stride, np.floor(y0 / stride) * stride
    xs, ys = np.arange(first_x, x0 + side + stride, stride), np.arange(first_y, y0 + side + stride, stride)
    lines = [[(x, ys[0]), (x, ys[-1])] for x in xs] + [[(xs[0], y), (xs[-1], y)] for y in ys]
    ax.add_collection(LineCollection(lines, colors="black", linewidths=0.4, alpha=0.35))
    cx, cy = np.meshgrid(xs[:-1] + stride / 2, ys[:-1] + stride / 2)
    ax.scatter(cx.ravel(), cy.ravel(), s=3, color="black", alpha=0.6, linewidths=0)


def plot_level_points(image, gt_boxes: torch.Tensor, gt_labels: torch.Tensor, grid: Grid, point_gt: torch.Tensor,
                      title: str | None = None, class_names=None, axes=None, size: float = 3.6,
                      row_label: str | None = None):
    """The image once per pyramid level with the cells of the marked points filled in their gt's class colour.

    ``point_gt`` (A,) int64: the gt each point belongs to, -1 for none (e.g. ``AssignResult.matched_gt``).
    gt_boxes (G, 4) cxcywh px. Each panel's title counts the marked points of its level; ``row_label`` is
    written left of the first panel (for a row of a bigger figure, given by ``axes``). Returns the figure.
    """
    import matplotlib.pyplot as plt

    num_levels = len(grid.level_shapes)
    if axes is None:  # a pyplot figure: Jupyter shows it at the end of the cell
        _, axes = plt.subplots(1, num_levels, figsize=(size * num_levels, size + 0.5))
    fig = axes[0].figure
    boxes = cxcywh_to_xyxy(gt_boxes)  # (G, 4)
    marked = (point_gt >= 0).nonzero()[:, 0]  # (F,)
    levels = point_levels(marked, grid)  # (F,)
    for lv, ax in enumerate(axes):
        show_boxes(image, boxes, gt_labels, class_names=class_names, ax=ax, captions=False, linewidth=1.2)
        h, w = grid.level_shapes[lv]
        s = float(grid.strides[level_start(grid, lv)])
        grid_lines(ax, s, (0.0, 0.0, float(max(h, w) * s)))
        mine = marked[levels == lv]
        for g in point_gt[mine].unique().tolist():
            ax.add_collection(cells(mine[point_gt[mine] == g], grid, facecolor=mpl_color(int(gt_labels[g])),
                                     edgecolor="black", linewidth=0.8, alpha=0.75))
        ax.set_title(f"stride {s:g} ({w}×{h}): {len(mine)} point{'' if len(mine) == 1 else 's'}", fontsize=10)
    if row_label:
        axes[0].text(-0.04, 0.5, row_label, transform=axes[0].transAxes, rotation=90, ha="right", va="center",
                     fontsize=10)
    if title:
        fig.suptitle(title)
    return fig
