"""Non-maximum suppression (notebook 04_decode_nms). Reference answers for ``exercises/nms.py``.

Shapes: N boxes (N, 4) xyxy pixels, scores (N,), labels (N,) int64; results (K,) int64 indices.
"""

from __future__ import annotations

import torch
from torch import Tensor


def _iou_one_to_many(box: Tensor, boxes: Tensor) -> Tensor:
    """IoU of one xyxy box (4,) with (M, 4) boxes → (M,)."""
    low = torch.maximum(box[:2], boxes[:, :2])  # (M, 2)
    high = torch.minimum(box[2:], boxes[:, 2:])  # (M, 2)
    inter = (high - low).clamp(min=0).prod(dim=1)  # (M,)
    area = (box[2] - box[0]) * (box[3] - box[1])
    areas = (boxes[:, 2] - boxes[:, 0]) * (boxes[:, 3] - boxes[:, 1])  # (M,)
    return inter / (area + areas - inter)  # (M,)


def nms(boxes: Tensor, scores: Tensor, iou_thresh: float) -> Tensor:
    """Indices of the boxes kept, highest score first: visit boxes by decreasing score, keep a box unless
    its IoU with an already kept box is strictly greater than ``iou_thresh``."""
    order = scores.argsort(descending=True)  # (N,)
    keep = []
    while order.numel() > 0:
        best = order[0]
        keep.append(best)
        rest = order[1:]
        order = rest[_iou_one_to_many(boxes[best], boxes[rest]) <= iou_thresh]
    return torch.stack(keep) if keep else torch.zeros(0, dtype=torch.int64, device=boxes.device)


def batched_nms(boxes: Tensor, scores: Tensor, labels: Tensor, iou_thresh: float) -> Tensor:
    """NMS within each class separately (boxes of different labels never suppress each other);
    kept indices of all classes together, highest score first."""
    keep = [idx[nms(boxes[idx], scores[idx], iou_thresh)] for idx in
            (torch.nonzero(labels == c)[:, 0] for c in labels.unique())]
    if not keep:
        return torch.zeros(0, dtype=torch.int64, device=boxes.device)
    keep = torch.cat(keep)  # (K,)
    return keep[scores[keep].argsort(descending=True)]  # (K,)
