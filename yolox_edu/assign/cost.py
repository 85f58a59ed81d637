"""The SimOTA matching cost between ground truths and candidate predictions.

    cost = class cost + iou_weight · IoU cost + penalty · [not (in box AND in center)]

* IoU cost = −log(IoU + 1e-8): 0 for a perfect box, about 18.4 for no overlap.
* Class cost = binary cross-entropy between the joint score p = sqrt(sigmoid(cls) · sigmoid(obj)) and
  the gt's one-hot class, summed over the C classes. Always float32 (also under autocast).
* The penalty (1e5) makes points outside the gt's "box AND center" region a last resort.

All functions broadcast over leading dimensions (one image or a padded batch) and are gt-first.

Shapes: gt boxes (..., G, 4) and predicted boxes (..., N, 4) cxcywh pixels; results (..., G, N).
"""

from __future__ import annotations

import torch
from torch import Tensor

__all__ = [
    "box_iou_matrix",
    "iou_cost",
    "joint_score",
    "negative_class_cost",
    "gt_class_correction",
    "class_cost",
    "class_cost_dense",
    "total_cost",
]

IOU_EPS = 1e-8  # inside the log of the IoU cost
BCE_LOG_CLAMP = 100.0  # torch's binary_cross_entropy clamps each log term at -100; so do we
IOU_WEIGHT = 3.0
CENTER_PENALTY = 1e5  # 0.3.0; the later "geometry" rule uses 1e6


def _corners(boxes: Tensor) -> Tensor:
    """(..., 4) cxcywh → (..., 4) xyxy, computed as center ∓ half size (the official rounding)."""
    return torch.cat((boxes[..., :2] - 0.5 * boxes[..., 2:], boxes[..., :2] + 0.5 * boxes[..., 2:]), dim=-1)


def box_iou_matrix(gt_boxes: Tensor, pred_boxes: Tensor) -> Tensor:
    """IoU of every gt with every prediction.

    Unlike ``boxes.pairwise_iou`` (2-D only) this broadcasts over a batch dimension, and it works one
    axis at a time so the largest temporaries are (..., G, N), never (..., G, N, 2).

    Shapes: gt_boxes (..., G, 4), pred_boxes (..., N, 4) cxcywh → (..., G, N).
    """
    g, p = _corners(gt_boxes)[..., :, None, :], _corners(pred_boxes)[..., None, :, :]  # (..., G|1, 1|N, 4)
    inter_w = torch.minimum(g[..., 2], p[..., 2]).sub_(torch.maximum(g[..., 0], p[..., 0])).clamp_(min=0)  # (..., G, N)
    inter_h = torch.minimum(g[..., 3], p[..., 3]).sub_(torch.maximum(g[..., 1], p[..., 1])).clamp_(min=0)  # (..., G, N)
    inter = inter_w.mul_(inter_h)  # (..., G, N)
    area_g = gt_boxes[..., 2] * gt_boxes[..., 3]  # (..., G)
    area_p = pred_boxes[..., 2] * pred_boxes[..., 3]  # (..., N)
    union = (area_g[..., :, None] + area_p[..., None, :]).sub_(inter).clamp_(min=1e-12)  # (..., G, N)
    return inter.div_(union)  # (..., G, N)


def iou_cost(iou: Tensor, eps: float = IOU_EPS) -> Tensor:
    """−log(IoU + eps), elementwise."""
    return -torch.log(iou + eps)


def joint_score(cls_logits: Tensor, obj_logits: Tensor) -> Tensor:
    """p = sqrt(sigmoid(cls) · sigmoid(obj)) in float32. Shapes: (..., N, C), (..., N) → (..., N, C)."""
    with torch.autocast(cls_logits.device.type, enabled=False):
        p = cls_logits.float().sigmoid()  # (..., N, C)
        return p.mul_(obj_logits.float().sigmoid()[..., None]).sqrt_()  # (..., N, C)


def negative_class_cost(p: Tensor) -> Tensor:
    """Σ_c −log(1 − p_c) per point, each log clamped at −100: the class cost if no class were right.

    Shapes: (..., N, C) → (..., N).
    """
    return -torch.log1p(-p).clamp_(min=-BCE_LOG_CLAMP).sum(dim=-1)  # (..., N)


def gt_class_correction(p_gt: Tensor) -> Tensor:
    """−log p_g + log(1 − p_g) for the gt's class g: turns the "no class" cost into the true BCE sum.

    Shapes: p_gt (...) = p of each pair at its gt's class → (...).
    """
    pos = (-torch.log(p_gt)).clamp_(max=BCE_LOG_CLAMP)  # (...) cost of saying "class g"
    neg = (-torch.log1p(-p_gt)).clamp_(max=BCE_LOG_CLAMP)  # (...) its "not class g" part, counted above
    return pos.sub_(neg)  # (...)


def class_cost(cls_logits: Tensor, obj_logits: Tensor, gt_classes: Tensor) -> Tensor:
    """Sum over classes of BCE(p_c, onehot(gt class)_c), without building a (G, N, C) tensor.

    With y the one-hot of class g:  Σ_c BCE(p_c, y_c) = Σ_c −log(1 − p_c) + [−log p_g + log(1 − p_g)].
    The first term depends on the point only, the second on (point, gt class): memory O(G·N + N·C)
    instead of O(G·N·C). Each log is clamped at −100 like ``F.binary_cross_entropy``.

    Shapes: cls_logits (..., N, C), obj_logits (..., N), gt_classes (..., G) int64 → (..., G, N) float32.
    """
    p = joint_score(cls_logits, obj_logits)  # (..., N, C)
    per_point = negative_class_cost(p)  # (..., N)
    index = gt_classes[..., :, None].expand(*gt_classes.shape, p.shape[-2])  # (..., G, N)
    p_gt = torch.gather(p.transpose(-1, -2), -2, index)  # (..., G, N) p of each point at each gt's class
    return per_point[..., None, :] + gt_class_correction(p_gt)  # (..., G, N)


def class_cost_dense(cls_logits: Tensor, obj_logits: Tensor, gt_classes: Tensor) -> Tensor:
    """The same class cost written directly with a (G, N, C) tensor (for reading and for tests).

    Shapes: cls_logits (N, C), obj_logits (N,), gt_classes (G,) int64 → (G, N) float32.
    """
    p = joint_score(cls_logits, obj_logits)  # (N, C)
    onehot = torch.nn.functional.one_hot(gt_classes, p.shape[-1]).float()  # (G, C)
    p, onehot = torch.broadcast_tensors(p[None], onehot[:, None])  # (G, N, C) each
    return torch.nn.functional.binary_cross_entropy(p, onehot, reduction="none").sum(-1)  # (G, N)


def total_cost(
    cls_cost: Tensor,
    iou_costs: Tensor,
    in_box_and_center: Tensor,
    *,
    iou_weight: float = IOU_WEIGHT,
    penalty: float = CENTER_PENALTY,
) -> Tensor:
    """cls_cost + iou_weight · iou_costs + penalty · [not in_box_and_center]. All (..., G, N)."""
    return cls_cost + iou_weight * iou_costs + penalty * (~in_box_and_center).float()  # (..., G, N)
