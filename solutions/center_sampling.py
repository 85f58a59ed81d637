"""Center sampling: which anchor points may become positives for which ground truth (notebook
05_center_sampling). Reference answers for ``exercises/center_sampling.py``.

Shapes: G ground truths, A anchor points. gt boxes (G, 4) cxcywh pixels; cells (A, 2) = (column i,
row j); strides (A,); centers (A, 2) pixels; masks (G, A) bool (gt-first); candidates (A,) bool.
"""

from __future__ import annotations

from torch import Tensor


def point_centers(cells: Tensor, strides: Tensor) -> Tensor:
    """Pixel center ((i + 0.5)·s, (j + 0.5)·s) of each anchor point: (A, 2), (A,) → (A, 2)."""
    return (cells + 0.5) * strides[:, None]  # (A, 2)


def in_box_mask(gt_boxes: Tensor, centers: Tensor) -> Tensor:
    """True where a point's center lies strictly inside a gt box: (G, 4), (A, 2) → (G, A) bool."""
    cx, cy = gt_boxes[:, 0:1], gt_boxes[:, 1:2]  # (G, 1)
    half_w, half_h = gt_boxes[:, 2:3] / 2, gt_boxes[:, 3:4] / 2  # (G, 1)
    x, y = centers[:, 0], centers[:, 1]  # (A,)
    return (x > cx - half_w) & (x < cx + half_w) & (y > cy - half_h) & (y < cy + half_h)  # (G, A)


def in_center_mask(gt_boxes: Tensor, centers: Tensor, strides: Tensor, radius: float = 2.5) -> Tensor:
    """True where a point's center lies strictly inside the square of half-side ``radius · s`` (s: the
    point's own stride) around a gt center: (G, 4), (A, 2), (A,) → (G, A) bool."""
    cx, cy = gt_boxes[:, 0:1], gt_boxes[:, 1:2]  # (G, 1)
    reach = radius * strides  # (A,)
    x, y = centers[:, 0], centers[:, 1]  # (A,)
    return (x > cx - reach) & (x < cx + reach) & (y > cy - reach) & (y < cy + reach)  # (G, A)


def candidate_mask(in_box: Tensor, in_center: Tensor) -> Tensor:
    """Points in box OR in center of at least one gt: (G, A), (G, A) → (A,) bool."""
    return (in_box | in_center).any(dim=0)  # (A,)
