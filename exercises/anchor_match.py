"""Exercise: the darknet anchor match — which prediction is responsible for a gt — notebook 13 ("Your turn").

In YOLOv3 each gt is the target of exactly one prediction: the anchor (over all levels) whose shape fits the
gt best, at the cell that contains the gt's center on that anchor's level. Write that rule from its contract.
Replace the ``raise NotImplementedError`` with your code, then grade it:

    yolox-edu grade anchor_match                                 # in a terminal, from the course folder
    from yolox_edu.grading import check; check("anchor_match")   # in the notebook

Use torch only. The library's version is ``yolox_edu.assign.yolov3.darknet_match``.
Shapes: G gts (cxcywh pixels); anchors (L, K, 2) (w, h) pixels, smallest level first; L strides; L grid
shapes (h, w). Predictions are numbered level by level, then anchor by anchor, then row by row.
"""

from __future__ import annotations

from torch import Tensor


def darknet_match(gt_boxes: Tensor, level_anchors: Tensor, strides: tuple[int, ...],
                  level_shapes: tuple[tuple[int, int], ...]) -> tuple[Tensor, Tensor, Tensor, Tensor, Tensor]:
    """(level, anchor, row, col, index) of the prediction responsible for each gt, each (G,) int64.

    * The anchor: of all L·K anchors, the one with the highest IoU with the gt when both boxes are centred on
      the same point (ties: the first in level-then-anchor order); ``level`` and ``anchor`` (0..K − 1) say
      which one it is.
    * The cell: (row, col) of the cell of that level's grid that contains the gt's center (a center on a
      border belongs to the cell below / to the right), moved into the grid if the center lies outside it.
    * ``index``: the position of that prediction among all L·Σ(K·h·w) predictions, numbered level by level,
      within a level anchor by anchor, within an anchor row by row, then column by column.
    G = 0 → five empty int64 tensors.

    Example:
        YOLOv3's anchors on a 64 × 64 input (grids 8 × 8, 4 × 4, 2 × 2; strides 8, 16, 32): the gt
        (20, 36, 30, 60) → level 1, anchor 0 (the (30, 61) anchor), row 2, col 1, index 192 + 9 = 201.
    """
    raise NotImplementedError
