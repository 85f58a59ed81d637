"""The SimOTA cost: class cost + 3 · IoU cost + a large penalty outside "in box AND in center"
(notebook 06_simota). Reference answers for ``exercises/simota_cost.py``.

Shapes: G ground truths, N candidate points, C classes; cost matrices (G, N), gt-first.
"""

from __future__ import annotations

import torch
import torch.nn.functional as F
from torch import Tensor


def iou_cost(ious: Tensor, eps: float = 1e-8) -> Tensor:
    """−log(IoU + eps), elementwise, same shape and dtype."""
    return -torch.log(ious + eps)


def class_cost(cls_logits: Tensor, obj_logits: Tensor, gt_classes: Tensor) -> Tensor:
    """Σ_c BCE(p_c, onehot(gt class)_c) with p = sqrt(sigmoid(cls) · sigmoid(obj)), each log clamped at
    −100 as ``F.binary_cross_entropy`` does. (N, C), (N,), (G,) int64 → (G, N) float32."""
    p = (cls_logits.float().sigmoid() * obj_logits.float().sigmoid()[:, None]).sqrt()  # (N, C)
    onehot = F.one_hot(gt_classes, p.shape[1]).float()  # (G, C)
    p, onehot = torch.broadcast_tensors(p[None], onehot[:, None])  # (G, N, C) each
    return F.binary_cross_entropy(p, onehot, reduction="none").sum(dim=-1)  # (G, N)


def total_cost(cls_cost: Tensor, iou_costs: Tensor, in_box_and_center: Tensor,
               iou_weight: float = 3.0, penalty: float = 1e5) -> Tensor:
    """cls_cost + iou_weight · iou_costs + penalty where NOT in_box_and_center. All (G, N) → (G, N)."""
    return cls_cost + iou_weight * iou_costs + penalty * (~in_box_and_center).float()  # (G, N)
