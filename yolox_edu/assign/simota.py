"""SimOTA label assignment for one image, written to be read (``simota_batched`` is the training one).

The batched version gives identical results (tests/test_assign.py checks it on hundreds of random cases).
Three steps:

1. center sampling → candidates (``sampling``),
2. IoU and class cost of every (gt, candidate) pair (``cost``),
3. dynamic k, the k cheapest candidates per gt, conflicts to the cheapest gt (``matching``).

Two rules share the code: ``box_candidates=True`` is official 0.3.0 (candidates = in box OR in center
with radius 2.5; penalty 1e5 outside "in box AND in center"); ``GEOMETRY_RULE`` (``box_candidates=False``,
radius 1.5, penalty 1e6) is the later official "geometry" rule (candidates and cheap region = in center
only). ``simota_steps`` keeps every intermediate (``assign/trace.py`` shows them).

Everything runs in float32 without gradients.

Shapes: pred_boxes (A, 4) cxcywh px, cls_logits (A, C), obj_logits (A,), gt_boxes (G, 4) cxcywh px,
gt_classes (G,) int64.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

import torch
from torch import Tensor

from yolox_edu.assign.cost import CENTER_PENALTY, IOU_WEIGHT, box_iou_matrix, class_cost, iou_cost, total_cost
from yolox_edu.assign.matching import CANDIDATE_TOPK, dynamic_k, resolve_conflicts, select_lowest_cost
from yolox_edu.assign.result import AssignResult
from yolox_edu.assign.sampling import CENTER_RADIUS, in_box_mask, in_center_mask
from yolox_edu.grid import Grid

__all__ = ["simota_assign", "simota_regions", "simota_steps", "SimOTASteps", "GEOMETRY_RULE",
           "GEOMETRY_CENTER_RADIUS", "GEOMETRY_PENALTY"]

GEOMETRY_CENTER_RADIUS = 1.5  # the later official rule: candidates in a 3-stride square around the center
GEOMETRY_PENALTY = 1e6
GEOMETRY_RULE = dict(center_radius=GEOMETRY_CENTER_RADIUS, penalty=GEOMETRY_PENALTY, box_candidates=False)


def simota_regions(
    gt_boxes: Tensor, grid: Grid, *, center_radius: float = CENTER_RADIUS, box_candidates: bool = True
) -> tuple[Tensor, Tensor]:
    """(eligible, cheap) masks: a pair (gt, point) is *eligible* when the point is in box or in center
    of that gt (in center only when ``box_candidates`` is False); *cheap* pairs escape the penalty.

    Candidates of an image are the points eligible for any gt. Shapes: (..., G, 4) → (..., G, A) twice.
    """
    in_center = in_center_mask(gt_boxes, grid.centers, grid.strides, center_radius)  # (..., G, A) bool
    if not box_candidates:
        return in_center, in_center
    in_box = in_box_mask(gt_boxes, grid.centers)  # (..., G, A) bool
    return in_box | in_center, in_box & in_center  # (..., G, A) bool each


@dataclass
class SimOTASteps:
    """What each step of SimOTA produced for one image (N candidate points, ascending indices)."""

    eligible: Tensor  # (G, A) bool: pairs that may match
    cheap: Tensor  # (G, A) bool: pairs that escape the penalty
    candidates: Tensor  # (N,) int64 point indices eligible for any gt
    ious: Tensor  # (G, N) IoU of each candidate's predicted box with each gt
    cls_cost: Tensor  # (G, N)
    iou_cost: Tensor  # (G, N) −log(IoU + eps), before the weight
    cost: Tensor  # (G, N) total cost
    dynamic_k: Tensor  # (G,) int64 points each gt takes
    matching: Tensor  # (G, N) bool: each gt's k cheapest candidates, before conflicts
    matched: Tensor  # (N,) int64: the gt each candidate finally belongs to (-1: background)

    def result(self, num_points: int) -> AssignResult:
        """The ``AssignResult`` over all ``num_points`` points."""
        result = AssignResult.empty(num_points, self.ious.shape[0], self.candidates.device)
        fg = self.matched >= 0  # (N,) bool
        result.fg_mask[self.candidates] = fg
        result.matched_gt[self.candidates] = self.matched
        result.matched_iou[self.candidates[fg]] = self.ious[self.matched[fg], fg.nonzero()[:, 0]]
        result.dynamic_k = self.dynamic_k
        return result


@torch.no_grad()
def simota_steps(
    pred_boxes: Tensor,
    cls_logits: Tensor,
    obj_logits: Tensor,
    gt_boxes: Tensor,
    gt_classes: Tensor,
    grid: Grid,
    *,
    center_radius: float = CENTER_RADIUS,
    iou_weight: float = IOU_WEIGHT,
    penalty: float = CENTER_PENALTY,
    candidate_topk: int = CANDIDATE_TOPK,
    box_candidates: bool = True,
) -> SimOTASteps | None:
    """SimOTA for one image, step by step (cost only over candidate points), keeping every step;
    None when there is no gt or no candidate point (then nothing is matched)."""
    gt_boxes = gt_boxes.float()  # (G, 4)
    eligible, cheap = simota_regions(gt_boxes, grid, center_radius=center_radius, box_candidates=box_candidates)
    candidates = eligible.any(dim=0).nonzero()[:, 0]  # (N,) point indices, ascending
    if gt_boxes.shape[0] == 0 or len(candidates) == 0:
        return None

    ious = box_iou_matrix(gt_boxes, pred_boxes[candidates].float())  # (G, N)
    cls = class_cost(cls_logits[candidates], obj_logits[candidates], gt_classes)  # (G, N)
    costs = iou_cost(ious)  # (G, N)
    cost = total_cost(cls, costs, cheap[:, candidates], iou_weight=iou_weight, penalty=penalty)  # (G, N)

    k = dynamic_k(ious, candidate_topk)  # (G,)
    matching = select_lowest_cost(cost, k)  # (G, N) bool
    matched = resolve_conflicts(matching, cost)  # (N,) gt index or -1
    return SimOTASteps(eligible, cheap, candidates, ious, cls, costs, cost, k, matching, matched)


def simota_assign(pred_boxes: Tensor, cls_logits: Tensor, obj_logits: Tensor, gt_boxes: Tensor, gt_classes: Tensor,
                  grid: Grid, **settings: Any) -> AssignResult:
    """SimOTA for one image: the steps of ``simota_steps`` (whose keyword ``settings`` it takes), as an
    ``AssignResult`` over all points."""
    steps = simota_steps(pred_boxes, cls_logits, obj_logits, gt_boxes, gt_classes, grid, **settings)
    if steps is None:
        return AssignResult.empty(pred_boxes.shape[0], gt_boxes.shape[0], pred_boxes.device)
    return steps.result(pred_boxes.shape[0])
