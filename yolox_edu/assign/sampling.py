"""Center sampling: which anchor points may become positives for which ground truth.

A point of stride s in column i, row j has its center at ((i + 0.5)·s, (j + 0.5)·s) (``Grid.centers``).

* *in box*: the center lies strictly inside the gt box.
* *in center*: the center lies strictly inside the square of half-side ``center_radius·s`` around the gt
  center (s is the point's own stride, so the square grows with the level).
* *candidate*: in box OR in center of any gt of the image. Only candidates get a cost; points that are
  both in box AND in center of a gt are cheap for that gt, the rest pay a large penalty.

Every function broadcasts over leading dimensions, so one image (G, 4) and a padded batch (B, G, 4) use
the same code. Masks are gt-first.

Shapes: gt boxes (..., G, 4) cxcywh pixels; centers (A, 2); strides (A,); masks (..., G, A) bool.
"""

from __future__ import annotations

from torch import Tensor

__all__ = ["in_box_mask", "in_center_mask", "candidate_mask"]

CENTER_RADIUS = 2.5  # half-side of the center square, in strides (0.3.0); the later rule uses 1.5


def in_box_mask(gt_boxes: Tensor, centers: Tensor) -> Tensor:
    """True where a point's center is strictly inside a gt box.

    Shapes: gt_boxes (..., G, 4) cxcywh; centers (A, 2) → (..., G, A) bool.
    """
    cx, cy = gt_boxes[..., 0:1], gt_boxes[..., 1:2]  # (..., G, 1)
    half_w, half_h = 0.5 * gt_boxes[..., 2:3], 0.5 * gt_boxes[..., 3:4]  # (..., G, 1)
    x, y = centers[:, 0], centers[:, 1]  # (A,)
    inside_x = (x > cx - half_w) & (x < cx + half_w)  # (..., G, A) bool
    inside_y = (y > cy - half_h) & (y < cy + half_h)  # (..., G, A) bool
    return inside_x & inside_y  # (..., G, A) bool


def in_center_mask(gt_boxes: Tensor, centers: Tensor, strides: Tensor, radius: float = CENTER_RADIUS) -> Tensor:
    """True where a point's center is strictly inside the square of half-side ``radius·s`` around a gt center.

    Shapes: gt_boxes (..., G, 4) cxcywh; centers (A, 2); strides (A,) → (..., G, A) bool.
    """
    cx, cy = gt_boxes[..., 0:1], gt_boxes[..., 1:2]  # (..., G, 1)
    reach = radius * strides  # (A,)
    x, y = centers[:, 0], centers[:, 1]  # (A,)
    inside_x = (x > cx - reach) & (x < cx + reach)  # (..., G, A) bool
    inside_y = (y > cy - reach) & (y < cy + reach)  # (..., G, A) bool
    return inside_x & inside_y  # (..., G, A) bool


def candidate_mask(in_box: Tensor, in_center: Tensor, gt_valid: Tensor | None = None) -> Tensor:
    """Points that are in box OR in center of any (valid) gt.

    Shapes: in_box, in_center (..., G, A) bool; gt_valid (..., G) bool or None → (..., A) bool.
    """
    either = in_box | in_center  # (..., G, A) bool
    if gt_valid is not None:
        either = either & gt_valid[..., None]  # (..., G, A) bool
    return either.any(dim=-2)  # (..., A) bool
