"""Exercise: the SimOTA matching cost — notebook 06 ("Your turn").

    cost = class cost + iou_weight · IoU cost + penalty · [the point is NOT (in box AND in center)]

Replace each ``raise NotImplementedError`` with your code, then grade it:

    yolox-edu grade simota_cost                                 # in a terminal, from the course folder
    from yolox_edu.grading import check; check("simota_cost")   # in the notebook

Use torch only (torch.nn.functional is fine). Shapes: G ground truths, N candidate points, C classes;
cost matrices (G, N), gt-first.
"""

from __future__ import annotations

from torch import Tensor


def iou_cost(ious: Tensor, eps: float = 1e-8) -> Tensor:
    """IoU cost: −log(IoU + eps), elementwise.

    Args:
        ious: (G, N) IoUs in [0, 1].

    Returns:
        (G, N), same dtype: 0 for a perfect box, about 18.4 for IoU 0.

    Example:
        IoU 0.5 → 0.693.
    """
    raise NotImplementedError


def class_cost(cls_logits: Tensor, obj_logits: Tensor, gt_classes: Tensor) -> Tensor:
    """Class cost of every (gt, point) pair: binary cross-entropy summed over the classes.

    Args:
        cls_logits: (N, C) class logits of the candidate points (any float dtype).
        obj_logits: (N,) objectness logits.
        gt_classes: (G,) int64 class of each gt.

    Returns:
        (G, N) float32: sum over c of BCE(p_c, y_c) with p = sqrt(sigmoid(cls) · sigmoid(obj)) (the point's
        joint score, (N, C)) and y = one-hot of the gt's class. Compute in float32 and clamp each log at
        −100 as ``F.binary_cross_entropy`` does (large logits make sigmoid exactly 1.0 in float32).

    Example:
        one point, C = 2, p = (0.8, 0.1), gt class 0 → −log 0.8 − log 0.9 = 0.223 + 0.105 = 0.329.
    """
    raise NotImplementedError


def total_cost(cls_cost: Tensor, iou_costs: Tensor, in_box_and_center: Tensor,
               iou_weight: float = 3.0, penalty: float = 1e5) -> Tensor:
    """The SimOTA cost matrix.

    Args:
        cls_cost, iou_costs: (G, N) float; in_box_and_center: (G, N) bool, True where the point is both in
        the gt's box and in its center region; iou_weight: 3.0; penalty: 1e5 (1e6 in later versions).

    Returns:
        (G, N): cls_cost + iou_weight · iou_costs + penalty where NOT in_box_and_center.

    Example:
        cls 0.5, IoU cost 1.0, inside → 3.5; the same pair outside → 100003.5.
    """
    raise NotImplementedError
