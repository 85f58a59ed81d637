"""Exercise: box formats and pairwise IoU — notebook 01 ("Your turn").

Replace each ``raise NotImplementedError`` with your code, then grade it:

    yolox-edu grade boxes                                   # in a terminal, from the course folder
    from yolox_edu.grading import check; check("boxes")     # in the notebook

Use torch only (no yolox_edu, no torchvision.ops: they would do the exercise for you).

Formats, all in pixels: ``cxcywh`` = (center x, center y, width, height); ``xyxy`` = (left, top, right,
bottom); COCO ``xywh`` = (left, top, width, height). Shapes: boxes (..., 4), any number of leading dims;
pairwise IoU of (N, 4) and (M, 4) boxes is (N, M).
"""

from __future__ import annotations

from torch import Tensor


def cxcywh_to_xyxy(boxes: Tensor) -> Tensor:
    """Center format → corner format.

    Args:
        boxes: (..., 4) float tensor of (cx, cy, w, h).

    Returns:
        (..., 4) tensor: the same boxes as (left, top, right, bottom), same dtype; a new tensor (do not modify
        ``boxes``). (0, 4) in → (0, 4) out.

    Example:
        >>> cxcywh_to_xyxy(torch.tensor([[50.0, 40.0, 20.0, 10.0]]))
        tensor([[40., 35., 60., 45.]])
    """
    raise NotImplementedError


def xyxy_to_cxcywh(boxes: Tensor) -> Tensor:
    """Corner format → center format.

    Args:
        boxes: (..., 4) float tensor of (x1, y1, x2, y2).

    Returns:
        (..., 4) tensor: the same boxes as (center x, center y, width, height), same dtype, a new tensor.

    Example:
        >>> xyxy_to_cxcywh(torch.tensor([[40.0, 35.0, 60.0, 45.0]]))
        tensor([[50., 40., 20., 10.]])
    """
    raise NotImplementedError


def xyxy_to_xywh(boxes: Tensor) -> Tensor:
    """Corner format → COCO's (left, top, width, height).

    Args:
        boxes: (..., 4) float tensor of (x1, y1, x2, y2).

    Returns:
        (..., 4) tensor: the same boxes in COCO's format, same dtype, a new tensor.

    Example:
        >>> xyxy_to_xywh(torch.tensor([[40.0, 35.0, 60.0, 45.0]]))
        tensor([[40., 35., 20., 10.]])
    """
    raise NotImplementedError


def xywh_to_xyxy(boxes: Tensor) -> Tensor:
    """COCO's (left, top, width, height) → corner format.

    Args:
        boxes: (..., 4) float tensor of (x, y, w, h).

    Returns:
        (..., 4) tensor: the same boxes as corners, same dtype, a new tensor.

    Example:
        >>> xywh_to_xyxy(torch.tensor([[40.0, 35.0, 20.0, 10.0]]))
        tensor([[40., 35., 60., 45.]])
    """
    raise NotImplementedError


def pairwise_iou(boxes1: Tensor, boxes2: Tensor) -> Tensor:
    """Intersection over union of every box in ``boxes1`` with every box in ``boxes2``.

    Args:
        boxes1: (N, 4) float xyxy boxes with positive width and height.
        boxes2: (M, 4) float xyxy boxes.

    Returns:
        (N, M) tensor, same dtype: entry (i, j) is the area both boxes cover divided by the area either
        covers. Boxes that do not overlap, or only touch along an edge, have IoU 0 (never negative). N = 0 or
        M = 0 gives an empty (N, M) tensor. No Python loop over boxes: it must stay fast for N = M = 2000.

    Example:
        >>> pairwise_iou(torch.tensor([[0.0, 0, 2, 2]]), torch.tensor([[1.0, 0, 3, 2], [5.0, 5, 6, 6]]))
        tensor([[0.3333, 0.0000]])
    """
    raise NotImplementedError
