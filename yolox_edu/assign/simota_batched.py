"""SimOTA for a whole padded batch at once: the training version of ``simota.simota_assign``.

No Python loop over images or gts, and the same results as the per-image version (tested). It is fast
because it never builds the full (B, G, A) cost matrix; only the IoU matrix (needed for dynamic k) and
the region masks are (B, G, A). The costs are computed only where they can matter:

* a gt with at least k *cheap* pairs (in box AND in center: no penalty) takes its k cheapest cheap
  pairs, because every cheap cost (< penalty) is below every penalised one (>= penalty). Cheap pairs
  are a small fraction (well under 1 %) of all (gt, point) pairs;
* a gt with fewer cheap pairs than k (tiny or thin boxes) gets its whole row of costs;
* a point taken by several gts gets its whole column of costs, for the argmin over gts.

Each cost is computed by the same float operations as the dense version, so choices are identical.
Memory peaks at a few (B, G, A) tensors: about 0.7 GB at B=64, G=120, A=8400 (never B·G·A·C).

Shapes: pred_boxes (B, A, 4) cxcywh px, cls_logits (B, A, C), obj_logits (B, A), gt_boxes (B, G, 4)
cxcywh px, gt_classes (B, G) int64, gt_valid (B, G) bool (False on padding rows).
"""

from __future__ import annotations

import torch
from torch import Tensor

from yolox_edu.assign.cost import (
    CENTER_PENALTY,
    IOU_WEIGHT,
    box_iou_matrix,
    gt_class_correction,
    iou_cost,
    joint_score,
    negative_class_cost,
    total_cost,
)
from yolox_edu.assign.matching import CANDIDATE_TOPK, dynamic_k, select_lowest_cost_batched
from yolox_edu.assign.result import AssignResult
from yolox_edu.assign.sampling import CENTER_RADIUS
from yolox_edu.grid import Grid

__all__ = ["simota_assign_batched", "regions_by_axis"]


class _PairCost:
    """Cost of any (image, gt, point) index triple, computed on demand. Index tensors broadcast.

    Class scores are only evaluated at candidate points (the others always cost +inf): ``row`` maps
    (b, a) to the candidate's row in the compact (N, C) score table.
    """

    def __init__(self, cls_logits, obj_logits, gt_classes, ious, cheap, usable, candidates, iou_weight, penalty):
        num_points = candidates.shape[1]
        flat = candidates.flatten()  # (B·A,) bool
        self.p = joint_score(cls_logits.flatten(0, 1)[flat], obj_logits.flatten()[flat])  # (N, C) candidates only
        self.per_point = negative_class_cost(self.p)  # (N,)
        self.row = (flat.cumsum(0) - 1).clamp_(min=0).view(-1, num_points)  # (B, A) row in the table
        self.gt_classes, self.ious, self.cheap, self.usable = gt_classes, ious, cheap, usable
        self.iou_weight, self.penalty = iou_weight, penalty

    def __call__(self, b: Tensor, g: Tensor, a: Tensor) -> Tensor:
        row = self.row[b, a]  # (...)
        cls = self.per_point[row] + gt_class_correction(self.p[row, self.gt_classes[b, g]])  # (...)
        cost = total_cost(
            cls, iou_cost(self.ious[b, g, a]), self.cheap[b, g, a], iou_weight=self.iou_weight, penalty=self.penalty
        )  # (...)
        return cost.masked_fill_(~self.usable[b, g, a], float("inf"))  # (...)


def regions_by_axis(
    gt_boxes: Tensor, gt_valid: Tensor, grid: Grid, *, center_radius: float = CENTER_RADIUS, box_candidates: bool = True
) -> tuple[Tensor, Tensor]:
    """``simota_regions`` (masked by ``gt_valid``) computed one axis at a time, level by level.

    A point is inside a box (or a center square) iff its column center is inside the x-range and its
    row center inside the y-range, so the comparisons are done on (B, G, w) and (B, G, h) vectors and
    only combined at the end: the same booleans from the same float comparisons, far fewer of them.

    Shapes: gt_boxes (B, G, 4) cxcywh, gt_valid (B, G) → eligible, cheap (B, G, A) bool.
    """
    cx, cy = gt_boxes[..., 0:1], gt_boxes[..., 1:2]  # (B, G, 1)
    half_w, half_h = 0.5 * gt_boxes[..., 2:3], 0.5 * gt_boxes[..., 3:4]  # (B, G, 1)
    valid = gt_valid[..., None]  # (B, G, 1)
    eligible, cheap, start = [], [], 0
    for h, w in grid.level_shapes:
        xs = grid.centers[start : start + w, 0]  # (w,) column centers of this level
        ys = grid.centers[start : start + h * w : w, 1]  # (h,) row centers
        reach = center_radius * grid.strides[start : start + 1]  # (1,) half-side of the center square
        center_x = (xs > cx - reach) & (xs < cx + reach) & valid  # (B, G, w) bool
        center_y = (ys > cy - reach) & (ys < cy + reach)  # (B, G, h) bool
        in_center = center_y[..., :, None] & center_x[..., None, :]  # (B, G, h, w) bool
        if box_candidates:
            box_x = (xs > cx - half_w) & (xs < cx + half_w) & valid  # (B, G, w) bool
            box_y = (ys > cy - half_h) & (ys < cy + half_h)  # (B, G, h) bool
            eligible.append((box_y[..., :, None] & box_x[..., None, :]) | in_center)  # (B, G, h, w)
            cheap.append((box_y & center_y)[..., :, None] & (box_x & center_x)[..., None, :])  # (B, G, h, w)
        else:
            eligible.append(in_center)
            cheap.append(in_center)
        start += h * w
    flat = [torch.cat([m.flatten(-2) for m in masks], dim=-1) for masks in (eligible, cheap)]  # (B, G, A) x2
    return flat[0], flat[1]


def _rank_in_groups(values: Tensor, groups: Tensor) -> Tensor:
    """Rank of each value within its group (0 = smallest; ties by position). ``groups`` is sorted.

    Shapes: (P,), (P,) int64 → (P,) int64.
    """
    order = values.argsort(stable=True)  # (P,)
    order = order[groups[order].argsort(stable=True)]  # (P,) by group, then value, then position
    counts = torch.bincount(groups)  # (number of groups,) sizes
    starts = counts.cumsum(0) - counts  # (groups,) first position of each group
    rank = torch.empty_like(order)  # (P,)
    rank[order] = torch.arange(len(order), device=values.device) - starts[groups[order]]
    return rank


def _select(pair_cost: _PairCost, cheap: Tensor, k: Tensor, candidate_topk: int) -> tuple[Tensor, Tensor, Tensor]:
    """The k cheapest candidates of every gt, as index triples (b, g, a) of the chosen pairs."""
    b, g, a = cheap.nonzero(as_tuple=True)  # (P,) each, sorted by (b, g, a)
    cost = pair_cost(b, g, a)  # (P,) all below the penalty unless class costs are huge
    enough = cheap.sum(dim=-1) >= k  # (B, G) cheap pairs suffice
    if len(cost) and cost.max() >= 0.5 * pair_cost.penalty:  # premise in doubt (tiny penalty): whole rows
        enough = torch.zeros_like(enough)
    num_gt = cheap.shape[1]
    take = (_rank_in_groups(cost, b * num_gt + g) < k[b, g]) & enough[b, g]  # (P,) bool
    rows_b, rows_g = (~enough).nonzero(as_tuple=True)  # (R,) gts that need their whole row
    all_points = torch.arange(cheap.shape[2], device=cheap.device)  # (A,)
    row_cost = pair_cost(rows_b[:, None], rows_g[:, None], all_points)  # (R, A), +inf off candidates
    row_take = select_lowest_cost_batched(row_cost, k[rows_b, rows_g], candidate_topk)  # (R, A) bool
    row, point = row_take.nonzero(as_tuple=True)  # (S_rows,) each
    return (
        torch.cat((b[take], rows_b[row])),  # (S,)
        torch.cat((g[take], rows_g[row])),  # (S,)
        torch.cat((a[take], point)),  # (S,)
    )


def _resolve(pair_cost: _PairCost, chosen: tuple[Tensor, Tensor, Tensor], shape: tuple[int, int, int]) -> Tensor:
    """Matched gt per point (B, A): the only claimant, or the cheapest gt of all for contested points."""
    batch, num_gt, num_points = shape
    b, g, a = chosen
    claims = torch.zeros(batch * num_points, dtype=torch.long, device=b.device)  # (B·A,)
    claims.index_add_(0, b * num_points + a, torch.ones_like(b))
    claims = claims.view(batch, num_points)  # (B, A)
    matched = torch.full((batch, num_points), -1, dtype=torch.long, device=b.device)  # (B, A)
    matched[b, a] = g  # unique for uncontested points
    cb, ca = (claims > 1).nonzero(as_tuple=True)  # (M,) contested points
    gts = torch.arange(num_gt, device=b.device)  # (G,)
    matched[cb, ca] = pair_cost(cb[:, None], gts, ca[:, None]).argmin(dim=1)  # (M,) first minimum on ties
    return matched


@torch.no_grad()
def simota_assign_batched(
    pred_boxes: Tensor,
    cls_logits: Tensor,
    obj_logits: Tensor,
    gt_boxes: Tensor,
    gt_classes: Tensor,
    gt_valid: Tensor,
    grid: Grid,
    *,
    center_radius: float = CENTER_RADIUS,
    iou_weight: float = IOU_WEIGHT,
    penalty: float = CENTER_PENALTY,
    candidate_topk: int = CANDIDATE_TOPK,
    box_candidates: bool = True,
) -> AssignResult:
    """SimOTA for a padded batch: same arguments and results as ``simota_assign`` plus ``gt_valid``."""
    batch, num_points = pred_boxes.shape[:2]
    num_gt = gt_valid.shape[1]
    if num_gt == 0:  # targets without any rows
        return AssignResult.empty(num_points, 0, pred_boxes.device, batch=batch)
    gt_boxes = gt_boxes.float()  # (B, G, 4)
    eligible, cheap = regions_by_axis(
        gt_boxes, gt_valid, grid, center_radius=center_radius, box_candidates=box_candidates
    )  # (B, G, A) bool each, padding rows all False
    candidates = eligible.any(dim=-2)  # (B, A) bool
    del eligible
    usable = candidates[:, None, :] & gt_valid[..., None]  # (B, G, A) bool: real gt × candidate point

    ious = box_iou_matrix(gt_boxes, pred_boxes.float()).masked_fill_(~usable, 0.0)  # (B, G, A)
    k = dynamic_k(ious, candidate_topk)  # (B, G)
    k = torch.minimum(k, candidates.sum(dim=-1, keepdim=True)).masked_fill_(~gt_valid, 0)  # (B, G)

    safe_classes = gt_classes.clamp(0, cls_logits.shape[-1] - 1)  # (B, G) padding rows hold any class
    pair_cost = _PairCost(cls_logits, obj_logits, safe_classes, ious, cheap, usable, candidates, iou_weight, penalty)
    chosen = _select(pair_cost, cheap, k, candidate_topk)
    matched = _resolve(pair_cost, chosen, (batch, num_gt, num_points))  # (B, A)
    fg = matched >= 0  # (B, A) bool
    matched_iou = ious.gather(1, matched.clamp(min=0)[:, None, :])[:, 0] * fg  # (B, A)
    return AssignResult(fg_mask=fg, matched_gt=matched, matched_iou=matched_iou, dynamic_k=k)
