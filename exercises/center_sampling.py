"""Exercise: center sampling, the candidate region of SimOTA — notebook 05 ("Your turn").

Replace each ``raise NotImplementedError`` with your code, then grade it:

    yolox-edu grade center_sampling                                 # in a terminal, from the course folder
    from yolox_edu.grading import check; check("center_sampling")   # in the notebook

Use torch only, no Python loops over gts or points (broadcast instead). Shapes: G ground truths,
A anchor points; gt boxes (G, 4) cxcywh pixels; cells (A, 2) = (column i, row j); strides (A,); centers
(A, 2) pixels; masks (G, A) bool, gt-first.
"""

from __future__ import annotations

from torch import Tensor


def point_centers(cells: Tensor, strides: Tensor) -> Tensor:
    """Pixel center of each anchor point.

    Args:
        cells: (A, 2) float cell indices (i, j); strides: (A,) float.

    Returns:
        (A, 2) float (x, y): the pixel at the middle of the point's cell.

    Example:
        cell (1, 0) at stride 8 → (12, 4).
    """
    raise NotImplementedError


def in_box_mask(gt_boxes: Tensor, centers: Tensor) -> Tensor:
    """Which point centers lie inside which gt box.

    Args:
        gt_boxes: (G, 4) float cxcywh; centers: (A, 2) float pixels.

    Returns:
        (G, A) bool: True where the point lies strictly inside the box (a point exactly on an edge is
        outside). G = 0 → (0, A).

    Example:
        box (12, 12, 16, 16) spans 4..20 in x and y: a center at (12, 12) is inside, (4, 12) and (20, 12)
        are not.
    """
    raise NotImplementedError


def in_center_mask(gt_boxes: Tensor, centers: Tensor, strides: Tensor, radius: float = 2.5) -> Tensor:
    """Which point centers lie inside the square of half-side ``radius · s`` around each gt's center.

    Args:
        gt_boxes: (G, 4) float cxcywh; centers: (A, 2); strides: (A,) each POINT's stride s (so the square
        is bigger on coarser levels); radius: 2.5 in YOLOX 0.3.0 (1.5 in later versions).

    Returns:
        (G, A) bool, True strictly inside the square (an edge is outside). G = 0 → (0, A).

    Example:
        gt center (100, 100), radius 2.5: a stride-8 point at (116, 100) → True, at (124, 100) → False;
        a stride-32 point at (144, 100) → True.
    """
    raise NotImplementedError


def candidate_mask(in_box: Tensor, in_center: Tensor) -> Tensor:
    """The points SimOTA considers at all: in box OR in center of at least one gt.

    Args:
        in_box, in_center: (G, A) bool.

    Returns:
        (A,) bool. G = 0 → all False.
    """
    raise NotImplementedError
