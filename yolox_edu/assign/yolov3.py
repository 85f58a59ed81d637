"""The darknet rule: YOLOv3's label assignment, the one the YOLOX paper's early rungs keep.

For each gt, compare its shape (w, h) with the shapes of all L·K anchors, both placed on one center
(``anchors.shape_iou``). The best anchor decides everything:

* its level is the gt's level (small anchors live on stride 8, large on stride 32);
* on that level, the cell containing the gt center is the gt's cell;
* that one anchor of that one cell is the gt's single positive.

So every gt has exactly one positive (unless two gts claim the same anchor of the same cell: the
smaller gt keeps it, as in ``center``). Objectness of any other prediction whose decoded box already
overlaps some gt with IoU > ``ignore_thresh`` (0.5) is not penalised: it is not a background mistake,
only not the chosen one (``AnchorAssignResult.ignore_mask``).

Shapes: pred_boxes (B, N, 4) cxcywh px (decoded with ``decode.decode_anchor_boxes``), gt_boxes
(B, G, 4) cxcywh px, gt_valid (B, G) bool, grid an ``anchors.AnchorGrid`` of N predictions.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import NamedTuple

import torch
from torch import Tensor

from yolox_edu.anchors import AnchorGrid, shape_iou
from yolox_edu.assign.cost import box_iou_matrix
from yolox_edu.assign.matching import resolve_conflicts
from yolox_edu.assign.result import AssignResult
from yolox_edu.boxes import aligned_iou

__all__ = ["DarknetMatch", "darknet_match", "AnchorAssignResult", "yolov3_assign_batched", "yolov3_assign",
           "IGNORE_THRESH"]

IGNORE_THRESH = 0.5  # predictions overlapping a gt above this IoU are not pushed towards background


class DarknetMatch(NamedTuple):
    """Where each gt goes under the darknet rule; every field (..., G) int64."""

    level: Tensor  # pyramid level of the best anchor (0 = stride 8)
    anchor: Tensor  # index of the best anchor within its level (0..K-1)
    row: Tensor  # cell row j = floor(cy / stride), clamped into the grid
    col: Tensor  # cell column i = floor(cx / stride), clamped into the grid
    index: Tensor  # position among the N flattened predictions: offset_l + anchor·h·w + row·w + col


def darknet_match(gt_boxes: Tensor, level_anchors: Tensor, strides: tuple[int, ...],
                  level_shapes: tuple[tuple[int, int], ...]) -> DarknetMatch:
    """Level, anchor, cell and prediction index of each gt (the darknet rule, without predictions).

    Shapes: gt_boxes (..., G, 4) cxcywh px, level_anchors (L, K, 2) (w, h) px → DarknetMatch of (..., G)."""
    num_levels, k = level_anchors.shape[:2]
    ious = shape_iou(gt_boxes[..., 2:4].reshape(-1, 2).float(), level_anchors.reshape(-1, 2).float())  # (·G, L·K)
    best = ious.argmax(dim=1).reshape(gt_boxes.shape[:-1])  # (..., G)
    level, anchor = best // k, best % k  # (..., G) each
    dev = gt_boxes.device
    stride = torch.tensor(strides, device=dev, dtype=gt_boxes.dtype)[level]  # (..., G)
    heights = torch.tensor([h for h, _ in level_shapes], device=dev)[level]  # (..., G)
    widths = torch.tensor([w for _, w in level_shapes], device=dev)[level]  # (..., G)
    col = (gt_boxes[..., 0] / stride).floor().long().clamp(min=0).minimum(widths - 1)  # (..., G)
    row = (gt_boxes[..., 1] / stride).floor().long().clamp(min=0).minimum(heights - 1)  # (..., G)
    sizes = torch.tensor([k * h * w for h, w in level_shapes], device=dev)  # (L,)
    offsets = torch.cumsum(sizes, 0) - sizes  # (L,) first prediction of each level
    index = offsets[level] + anchor * heights * widths + row * widths + col  # (..., G)
    return DarknetMatch(level, anchor, row, col, index)


@dataclass
class AnchorAssignResult(AssignResult):
    """``AssignResult`` plus ``ignore_mask`` (B, N) or (N,) bool: background predictions whose
    objectness the loss leaves alone (decoded box IoU > ignore_thresh with some gt)."""

    ignore_mask: Tensor


@torch.no_grad()
def yolov3_assign_batched(
    pred_boxes: Tensor,
    cls_logits: Tensor,
    obj_logits: Tensor,
    gt_boxes: Tensor,
    gt_classes: Tensor,
    gt_valid: Tensor,
    grid: AnchorGrid,
    *,
    ignore_thresh: float = IGNORE_THRESH,
) -> AnchorAssignResult:
    """The darknet rule for a padded batch. ``dynamic_k`` is 1 per real gt (its one positive)."""
    if not isinstance(grid, AnchorGrid):
        raise TypeError("the 'yolov3' assigner needs anchors: build the model with anchors='yolov3' (or your "
                        "k-means anchors); anchor-free models use 'simota', 'center-1' or 'center-3x3'")
    batch, num_points = pred_boxes.shape[:2]
    gt_boxes = gt_boxes.float()  # (B, G, 4)
    if gt_valid.shape[1] == 0:
        r = AssignResult.empty(num_points, 0, pred_boxes.device, batch=batch)
        return AnchorAssignResult(r.fg_mask, r.matched_gt, r.matched_iou, r.dynamic_k, r.fg_mask.clone())
    strides = tuple(int(s) for s in _level_strides(grid))
    index = darknet_match(gt_boxes, grid.level_anchors, strides, grid.level_shapes).index  # (B, G)
    index = torch.where(gt_valid, index, num_points)  # (B, G) padding goes to a spare column N
    claims = torch.zeros(batch, gt_valid.shape[1], num_points + 1, dtype=torch.bool, device=pred_boxes.device)
    claims = claims.scatter_(2, index[..., None], True)[..., :-1]  # (B, G, N) bool
    area = (gt_boxes[..., 2] * gt_boxes[..., 3])[..., None].expand_as(claims)  # (B, G, N)
    matched = resolve_conflicts(claims, torch.where(claims, area, torch.full_like(area, float("inf"))))  # (B, N)
    fg = matched >= 0  # (B, N) bool
    matched_boxes = gt_boxes.gather(1, matched.clamp(min=0)[..., None].expand(-1, -1, 4))  # (B, N, 4)
    matched_iou = aligned_iou(pred_boxes.float(), matched_boxes) * fg  # (B, N)
    return AnchorAssignResult(fg_mask=fg, matched_gt=matched, matched_iou=matched_iou, dynamic_k=gt_valid.long(),
                              ignore_mask=_ignore_mask(pred_boxes.float(), gt_boxes, gt_valid, ignore_thresh) & ~fg)


def _level_strides(grid: AnchorGrid) -> Tensor:
    """(L,) stride of each level, read from the grid's first prediction of each level."""
    sizes = [grid.level_anchors.shape[1] * h * w for h, w in grid.level_shapes]
    starts = torch.tensor([sum(sizes[:i]) for i in range(len(sizes))])
    return grid.strides[starts.to(grid.strides.device)]


def _ignore_mask(pred_boxes: Tensor, gt_boxes: Tensor, gt_valid: Tensor, ignore_thresh: float) -> Tensor:
    """(B, N) bool: the best IoU of each decoded prediction with any real gt of its image > ignore_thresh."""
    ious = box_iou_matrix(gt_boxes, pred_boxes)  # (B, G, N)
    ious = ious.masked_fill(~gt_valid[..., None], 0.0)  # (B, G, N)
    return ious.amax(dim=1) > ignore_thresh  # (B, N) bool


def yolov3_assign(pred_boxes: Tensor, cls_logits: Tensor, obj_logits: Tensor, gt_boxes: Tensor, gt_classes: Tensor,
                  grid: AnchorGrid, *, ignore_thresh: float = IGNORE_THRESH) -> AnchorAssignResult:
    """One image: the batched rule on a batch of one. Shapes as the batched rule without B and gt_valid."""
    valid = torch.ones(1, gt_boxes.shape[0], dtype=torch.bool, device=gt_boxes.device)  # (1, G)
    def one(t: Tensor | None) -> Tensor | None:  # logits and classes are not used by this rule: None is fine
        return None if t is None else t[None]

    r = yolov3_assign_batched(pred_boxes[None], one(cls_logits), one(obj_logits), gt_boxes[None],
                              one(gt_classes), valid, grid, ignore_thresh=ignore_thresh)
    return AnchorAssignResult(r.fg_mask[0], r.matched_gt[0], r.matched_iou[0], r.dynamic_k[0], r.ignore_mask[0])
