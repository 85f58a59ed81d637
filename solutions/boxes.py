"""Box formats and pairwise IoU (notebook 01_boxes). Reference answers for ``exercises/boxes.py``.

Shapes: boxes (..., 4) in pixels; ``cxcywh`` = (center x, center y, width, height), ``xyxy`` = corners,
COCO ``xywh`` = (left, top, width, height). Pairwise IoU of (N, 4) and (M, 4) xyxy boxes is (N, M).
"""

from __future__ import annotations

import torch
from torch import Tensor


def cxcywh_to_xyxy(boxes: Tensor) -> Tensor:
    """(..., 4) cxcywh → (..., 4) xyxy, same dtype."""
    center, size = boxes[..., :2], boxes[..., 2:]
    return torch.cat((center - size / 2, center + size / 2), dim=-1)  # (..., 4)


def xyxy_to_cxcywh(boxes: Tensor) -> Tensor:
    """(..., 4) xyxy → (..., 4) cxcywh, same dtype."""
    low, high = boxes[..., :2], boxes[..., 2:]
    return torch.cat(((low + high) / 2, high - low), dim=-1)  # (..., 4)


def xyxy_to_xywh(boxes: Tensor) -> Tensor:
    """(..., 4) xyxy → (..., 4) COCO xywh (left, top, width, height), same dtype."""
    return torch.cat((boxes[..., :2], boxes[..., 2:] - boxes[..., :2]), dim=-1)  # (..., 4)


def xywh_to_xyxy(boxes: Tensor) -> Tensor:
    """(..., 4) COCO xywh → (..., 4) xyxy, same dtype."""
    return torch.cat((boxes[..., :2], boxes[..., :2] + boxes[..., 2:]), dim=-1)  # (..., 4)


def pairwise_iou(boxes1: Tensor, boxes2: Tensor) -> Tensor:
    """IoU of every xyxy box in ``boxes1`` (N, 4) with every one in ``boxes2`` (M, 4) → (N, M)."""
    area1 = (boxes1[:, 2] - boxes1[:, 0]) * (boxes1[:, 3] - boxes1[:, 1])  # (N,)
    area2 = (boxes2[:, 2] - boxes2[:, 0]) * (boxes2[:, 3] - boxes2[:, 1])  # (M,)
    low = torch.maximum(boxes1[:, None, :2], boxes2[None, :, :2])  # (N, M, 2)
    high = torch.minimum(boxes1[:, None, 2:], boxes2[None, :, 2:])  # (N, M, 2)
    inter = (high - low).clamp(min=0).prod(dim=-1)  # (N, M)
    return inter / (area1[:, None] + area2[None, :] - inter)  # (N, M)
