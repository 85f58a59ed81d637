"""Box formats and IoU.

Two formats, both in pixels: ``cxcywh`` (center x, center y, width, height) and ``xyxy``
(left, top, right, bottom). Pairwise IoU comes from ``torchvision.ops``; the aligned (row-by-row)
IoU/GIoU used by the loss is written here because torchvision has no aligned IoU that returns the
plain ratio for both variants.

Shapes: ``(..., 4)`` boxes; pairwise results are gt-first ``(G, A)``.
"""

from __future__ import annotations

import torch
from torch import Tensor
from torchvision.ops import box_convert, box_iou

__all__ = ["cxcywh_to_xyxy", "xyxy_to_cxcywh", "pairwise_iou", "aligned_iou", "aligned_giou"]


def cxcywh_to_xyxy(boxes: Tensor) -> Tensor:
    """(..., 4) cxcywh → (..., 4) xyxy."""
    return box_convert(boxes, "cxcywh", "xyxy")


def xyxy_to_cxcywh(boxes: Tensor) -> Tensor:
    """(..., 4) xyxy → (..., 4) cxcywh."""
    return box_convert(boxes, "xyxy", "cxcywh")


def pairwise_iou(boxes1: Tensor, boxes2: Tensor, fmt: str = "cxcywh") -> Tensor:
    """IoU of every box in ``boxes1`` (N, 4) with every box in ``boxes2`` (M, 4) → (N, M).

    ``fmt`` is ``"cxcywh"`` (the head's format) or ``"xyxy"``. Degenerate boxes give IoU 0.
    """
    if fmt == "cxcywh":
        boxes1, boxes2 = cxcywh_to_xyxy(boxes1), cxcywh_to_xyxy(boxes2)
    elif fmt != "xyxy":
        raise ValueError(f"fmt must be 'cxcywh' or 'xyxy', got {fmt!r}")
    return box_iou(boxes1, boxes2).nan_to_num_(0.0)  # (N, M)


def _aligned_parts(pred: Tensor, target: Tensor) -> tuple[Tensor, Tensor, Tensor, Tensor]:
    """Intersection, union, and the enclosing box corners of row-aligned cxcywh boxes."""
    p, t = cxcywh_to_xyxy(pred), cxcywh_to_xyxy(target)  # (..., 4)
    lt = torch.maximum(p[..., :2], t[..., :2])  # (..., 2)
    rb = torch.minimum(p[..., 2:], t[..., 2:])  # (..., 2)
    inter = (rb - lt).clamp(min=0).prod(-1)  # (...,)
    union = pred[..., 2:].prod(-1) + target[..., 2:].prod(-1) - inter  # (...,)
    enclose_lt = torch.minimum(p[..., :2], t[..., :2])  # (..., 2)
    enclose_rb = torch.maximum(p[..., 2:], t[..., 2:])  # (..., 2)
    return inter, union, enclose_lt, enclose_rb


def aligned_iou(pred: Tensor, target: Tensor, eps: float = 1e-16) -> Tensor:
    """IoU of ``pred[i]`` with ``target[i]``; both (..., 4) cxcywh → (...,)."""
    inter, union, _, _ = _aligned_parts(pred, target)
    return inter / (union + eps)


def aligned_giou(pred: Tensor, target: Tensor, eps: float = 1e-16) -> Tensor:
    """Generalised IoU of ``pred[i]`` with ``target[i]``; both (..., 4) cxcywh → (...,) in [-1, 1]."""
    inter, union, enclose_lt, enclose_rb = _aligned_parts(pred, target)
    iou = inter / (union + eps)
    enclose = (enclose_rb - enclose_lt).clamp(min=0).prod(-1)  # (...,)
    return iou - (enclose - union) / enclose.clamp(min=eps)
