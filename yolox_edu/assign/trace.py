"""Every intermediate of one image's label assignment, for notebooks and the SimOTA explorer.

``trace_assignment`` re-runs a rule step by step with the public functions of ``yolox_edu.assign``
(regions → IoU and class cost → total cost → the best IoUs → dynamic k → k cheapest → conflicts) and
keeps what each step produced. Its final positives are those of ``simota_assign`` (tests check it, and
against ``simota_assign_batched``). The center rules (``center-1``, ``center-3x3``) get the same record:
their "candidates" are each gt's patch of cells, taken whole (k = cells in the patch), and conflicts go
to the smallest gt; they never look at the predictions, so they have no cost.

The inputs every rule takes (decoded boxes and raw logits of a model) come from
``yolox_edu.inference.model_predictions``: it runs a network, so it lives outside ``assign/``.

Shapes: pred_boxes (A, 4) cxcywh px, cls_logits (A, C), obj_logits (A,), gt_boxes (G, 4) cxcywh px,
gt_classes (G,) int64; N candidate points (those eligible for any gt), ascending point indices.
"""

from __future__ import annotations

from dataclasses import dataclass

import torch
from torch import Tensor

from yolox_edu.assign.center import center_assign_batched
from yolox_edu.assign.cost import CENTER_PENALTY, IOU_WEIGHT, box_iou_matrix
from yolox_edu.assign.matching import CANDIDATE_TOPK
from yolox_edu.assign.registry import ASSIGNER_NAMES
from yolox_edu.assign.result import AssignResult
from yolox_edu.assign.sampling import CENTER_RADIUS
from yolox_edu.assign.simota import GEOMETRY_RULE, simota_steps
from yolox_edu.grid import Grid

__all__ = ["AssignTrace", "RULE_DEFAULTS", "trace_assignment", "point_levels", "count_per_level"]

# The settings each rule name of ``registry`` stands for (None: the rule has no such knob).
RULE_DEFAULTS: dict[str, dict] = {
    "simota": dict(center_radius=CENTER_RADIUS, penalty=CENTER_PENALTY, box_candidates=True),
    "simota-geometry": dict(GEOMETRY_RULE),
    "center-3x3": dict(patch=3),
    "center-1": dict(patch=1),
}


@dataclass
class AssignTrace:
    """What each step of a rule produced for one image (cost fields are None for the center rules).

    Attributes:
        rule: rule name; settings: the keyword settings used.
        eligible: (G, A) bool, pairs that may match (SimOTA: in box or in center; center rules: patch).
        cheap: (G, A) bool, pairs that escape the penalty (SimOTA: in box and in center).
        candidates: (N,) int64 point indices eligible for any gt.
        ious: (G, N) IoU of each candidate's predicted box with each gt.
        cls_cost, iou_cost, cost: (G, N) class cost, −log(IoU + eps) (unweighted), and the total cost.
        top_ious: (G, n) the n = min(candidate_topk, N) largest IoUs of each gt, largest first.
        dynamic_k: (G,) int64, how many points each gt takes.
        matching: (G, N) bool, each gt's k cheapest candidates, before conflicts.
        matched: (N,) int64, the gt each candidate finally belongs to (-1: background).
        result: the ``AssignResult`` over all A points.
    """

    rule: str
    settings: dict
    eligible: Tensor
    cheap: Tensor
    candidates: Tensor
    ious: Tensor
    cls_cost: Tensor | None
    iou_cost: Tensor | None
    cost: Tensor | None
    top_ious: Tensor | None
    dynamic_k: Tensor
    matching: Tensor
    matched: Tensor
    result: AssignResult

    def lost_to_others(self, gt: int) -> tuple[Tensor, Tensor]:
        """Points gt ``gt`` chose but another gt won in a conflict: (point indices (M,), winner gts (M,))."""
        lost = self.matching[gt] & (self.matched != gt)  # (N,) bool
        return self.candidates[lost], self.matched[lost]


def point_levels(points: Tensor, grid: Grid) -> Tensor:
    """Pyramid level (0 = finest) of each point index. Shapes: (P,) int64 → (P,) int64."""
    level_strides = torch.unique(grid.strides)  # (L,) ascending, as the levels are stacked
    return torch.searchsorted(level_strides, grid.strides[points])  # (P,)


def count_per_level(points: Tensor, grid: Grid) -> list[int]:
    """How many of ``points`` (P,) lie on each level, finest first."""
    num_levels = len(grid.level_shapes)
    return torch.bincount(point_levels(points, grid), minlength=num_levels).tolist()


def _simota_trace(pred_boxes, cls_logits, obj_logits, gt_boxes, gt_classes, grid, *, candidate_topk,
                  **settings) -> dict:
    """``simota.simota_steps`` (the very steps of ``simota_assign``), plus each gt's largest IoUs."""
    steps = simota_steps(pred_boxes, cls_logits, obj_logits, gt_boxes, gt_classes, grid,
                         candidate_topk=candidate_topk, **settings)
    if steps is None:
        raise ValueError("no point is a candidate for any gt (every gt lies outside the grid)")
    n = min(candidate_topk, len(steps.candidates))
    return dict(vars(steps), top_ious=steps.ious.topk(n, dim=1).values, result=steps.result(grid.num_points))


def _center_trace(pred_boxes, gt_boxes, gt_classes, grid, *, patch) -> dict:
    """Each gt's patch (one gt per batch row, so nothing conflicts), then the real rule for conflicts."""
    num_gt, num_points = gt_boxes.shape[0], grid.num_points
    alone = torch.eye(num_gt, dtype=torch.bool)  # (G, G): row g keeps only gt g
    boxes = pred_boxes[None].expand(num_gt, -1, -1)  # (G, A, 4)
    dummy_cls, dummy_obj = pred_boxes.new_zeros(num_gt, num_points, 1), pred_boxes.new_zeros(num_gt, num_points)
    each = center_assign_batched(boxes, dummy_cls, dummy_obj, gt_boxes[None].expand(num_gt, -1, -1),
                                 gt_classes[None].expand(num_gt, -1), alone, grid, patch=patch)
    claims = each.fg_mask  # (G, A) bool: gt g's patch
    candidates = claims.any(dim=0).nonzero()[:, 0]  # (N,)
    real = center_assign_batched(pred_boxes[None], dummy_cls[:1], dummy_obj[:1], gt_boxes[None], gt_classes[None],
                                 torch.ones(1, num_gt, dtype=torch.bool), grid, patch=patch)
    result = AssignResult(real.fg_mask[0], real.matched_gt[0], real.matched_iou[0], real.dynamic_k[0])
    return dict(eligible=claims, cheap=claims, candidates=candidates,
                ious=box_iou_matrix(gt_boxes, pred_boxes[candidates].float()), cls_cost=None, iou_cost=None,
                cost=None, top_ious=None, dynamic_k=result.dynamic_k, matching=claims[:, candidates],
                matched=result.matched_gt[candidates], result=result)


@torch.no_grad()
def trace_assignment(
    rule: str,
    pred_boxes: Tensor,
    cls_logits: Tensor,
    obj_logits: Tensor,
    gt_boxes: Tensor,
    gt_classes: Tensor,
    grid: Grid,
    *,
    center_radius: float | None = None,
    iou_weight: float = IOU_WEIGHT,
    candidate_topk: int = CANDIDATE_TOPK,
) -> AssignTrace:
    """Run rule ``rule`` on one image and keep every step. ``center_radius=None``: the rule's own.

    SimOTA rules use ``center_radius``, ``iou_weight`` and ``candidate_topk``; the center rules ignore them.
    """
    if rule not in RULE_DEFAULTS:
        raise ValueError(f"unknown rule {rule!r}; choose one of: {', '.join(ASSIGNER_NAMES)}")
    if gt_boxes.ndim != 2 or gt_boxes.shape[0] == 0:
        raise ValueError(f"gt_boxes must be (G, 4) cxcywh with G >= 1, got shape {tuple(gt_boxes.shape)}")
    gt_boxes = gt_boxes.float()  # (G, 4)
    settings = dict(RULE_DEFAULTS[rule])
    if "patch" in settings:
        steps = _center_trace(pred_boxes.float(), gt_boxes, gt_classes, grid, patch=settings["patch"])
    else:
        if center_radius is not None:
            settings["center_radius"] = center_radius
        settings.update(iou_weight=iou_weight, candidate_topk=candidate_topk)
        steps = _simota_trace(pred_boxes, cls_logits, obj_logits, gt_boxes, gt_classes, grid, **settings)
    return AssignTrace(rule=rule, settings=settings, **steps)


def __getattr__(name: str):
    """``model_predictions`` and ``Predictions`` moved to ``yolox_edu.inference`` (they run a network);
    the old import path still works, without importing the model code into ``assign/``."""
    if name in ("model_predictions", "Predictions"):
        from yolox_edu import inference

        return getattr(inference, name)
    raise AttributeError(f"module {__name__!r} has no attribute {name!r}")
