"""The IoU loss and IoU-aware class targets (notebook 07_losses). Reference answers for
``exercises/iou_loss.py``.

Shapes: F foreground points, C classes; boxes (F, 4) cxcywh pixels, row i of ``pred`` paired with row i
of ``target``.
"""

from __future__ import annotations

import torch
import torch.nn.functional as F
from torch import Tensor


def aligned_iou(pred: Tensor, target: Tensor, eps: float = 1e-16) -> Tensor:
    """IoU of pred[i] with target[i]: (F, 4), (F, 4) cxcywh → (F,) = inter / (union + eps)."""
    p_low, p_high = pred[:, :2] - pred[:, 2:] / 2, pred[:, :2] + pred[:, 2:] / 2  # (F, 2) each
    t_low, t_high = target[:, :2] - target[:, 2:] / 2, target[:, :2] + target[:, 2:] / 2
    inter = (torch.minimum(p_high, t_high) - torch.maximum(p_low, t_low)).clamp(min=0).prod(dim=1)  # (F,)
    union = pred[:, 2:].prod(dim=1) + target[:, 2:].prod(dim=1) - inter  # (F,)
    return inter / (union + eps)


def iou_loss(pred: Tensor, target: Tensor) -> Tensor:
    """YOLOX's per-box IoU loss 1 − IoU²: (F, 4), (F, 4) → (F,); gradients flow into ``pred``."""
    return 1 - aligned_iou(pred, target) ** 2


def class_targets(gt_classes: Tensor, ious: Tensor, num_classes: int) -> Tensor:
    """IoU-aware class targets: one-hot of the gt class times the IoU of the prediction with its gt,
    detached (no gradient flows through a target). (F,) int64, (F,) → (F, C) float, dtype of ``ious``."""
    return F.one_hot(gt_classes, num_classes).to(ious.dtype) * ious.detach()[:, None]  # (F, C)


def class_loss(cls_logits: Tensor, targets: Tensor) -> Tensor:
    """Summed binary cross-entropy with logits between (F, C) logits and (F, C) targets → 0-d tensor."""
    return F.binary_cross_entropy_with_logits(cls_logits, targets, reduction="sum")
