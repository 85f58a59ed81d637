"""Exercise: encode a ground-truth box into the head's raw targets — notebook 04 ("Your turn").

Notebook 04 decodes the head's raw outputs (tx, ty, tw, th) at a grid cell into a box. Here you go the other
way: which raw outputs would the decoder turn into a given box? (The YOLOX loss never needs this for its IoU
loss, but its L1 loss does, and so does every anchor-based detector.) Replace each ``raise
NotImplementedError`` with your code, then grade it:

    yolox-edu grade encode                                  # in a terminal, from the course folder
    from yolox_edu.grading import check; check("encode")    # in the notebook

Use torch only. The decoder is ``yolox_edu.decode.decode_boxes``: run it on your answer to check yourself.
Shapes: N points; boxes cxcywh in input pixels; cells (N, 2) as (column i, row j); strides (N,).
"""

from __future__ import annotations

from torch import Tensor


def cell_of(centers: Tensor, stride: int) -> Tensor:
    """The grid cell, at this stride, that contains each point.

    Args:
        centers: (N, 2) float (x, y) in input pixels, x, y >= 0.
        stride: pixels per cell.

    Returns:
        (N, 2) int64 (column i, row j). A point on the border between two cells belongs to the cell on its
        right (below). N = 0 → a (0, 2) int64 tensor.

    Example:
        centers (12.0, 4.0) and (16.0, 31.9) at stride 8 → [[1, 0], [2, 3]].
    """
    raise NotImplementedError


def encode_boxes(boxes: Tensor, cells: Tensor, strides: Tensor) -> Tensor:
    """The raw outputs (tx, ty, tw, th) that ``decode_boxes`` turns into ``boxes`` at these cells.

    Args:
        boxes: (..., N, 4) cxcywh in input pixels, widths and heights > 0; any leading dims (a batch).
        cells: (N, 2) float (column i, row j) of the point that predicts each box.
        strides: (N,) float stride of each point.

    Returns:
        (..., N, 4) raw outputs, the dtype of ``boxes``, such that decoding them at ``cells`` and
        ``strides`` gives ``boxes`` back. The box need not lie inside its cell (tx may be < 0 or > 1).

    Example:
        the box (12, 4, 16, 8) at cell (1, 0) with stride 8 → (0.5, 0.5, 0.6931, 0.0) (0.6931 = ln 2).
    """
    raise NotImplementedError
