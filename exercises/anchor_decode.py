"""Exercise: YOLOv3's anchor decoding, and its inverse — notebook 13 ("Your turn").

YOLOX predicts a box at each point directly; YOLOv3 predicts it relative to an *anchor*: a fixed (w, h)
per prediction, with the center kept inside the prediction's cell. Write the decoding from its contract,
then the targets that would decode to a given box (the inverse, as `encode.py` did for YOLOX). Replace each
``raise NotImplementedError`` with your code, then grade it:

    yolox-edu grade anchor_decode                                 # in a terminal, from the course folder
    from yolox_edu.grading import check; check("anchor_decode")   # in the notebook

Use torch only. The library's version is ``yolox_edu.decode.decode_anchor_boxes`` (run it to check yourself).
Shapes: N predictions; cells (N, 2) as (column i, row j); strides (N,); anchor_wh (N, 2) pixels.
"""

from __future__ import annotations

from torch import Tensor


def decode_anchor_boxes(reg: Tensor, cells: Tensor, strides: Tensor, anchor_wh: Tensor) -> Tensor:
    """Raw outputs (tx, ty, tw, th) → boxes, the YOLOv3 way.

    Args:
        reg: (..., N, 4) raw outputs, any leading dims, any real values.
        cells, strides, anchor_wh: (N, 2), (N,), (N, 2) of each prediction.

    Returns:
        (..., N, 4) cxcywh pixels, the dtype of ``reg``: the center lies strictly inside the prediction's
        cell whatever tx, ty are (a logistic squashing of each offset); the size is the anchor's, scaled by
        the exponential of tw, th (with tw, th capped at 10 before the exponential, like the library).

    Example:
        raw (0, 0, 0, 0) at cell (1, 0), stride 8, anchor (10, 13) → (12, 4, 10, 13);
        raw (0, 0, ln 2, 0) → (12, 4, 20, 13).
    """
    raise NotImplementedError


def encode_anchor_boxes(boxes: Tensor, cells: Tensor, strides: Tensor, anchor_wh: Tensor) -> Tensor:
    """The raw outputs that ``decode_anchor_boxes`` turns into ``boxes`` at these predictions.

    Args:
        boxes: (..., N, 4) cxcywh pixels whose centers lie strictly inside their prediction's cell, sizes > 0.
        cells, strides, anchor_wh: as above.

    Returns:
        (..., N, 4) raw (tx, ty, tw, th), the dtype of ``boxes``.

    Example:
        the box (12, 4, 20, 13) at cell (1, 0), stride 8, anchor (10, 13) → (0, 0, 0.6931, 0).
    """
    raise NotImplementedError
