"""The paper's simpler assignment rules, kept for the ablation: one positive, or "multi positives".

Each gt is put on ONE pyramid level, the one that *fits* it: the finest level l whose stride s_l
satisfies max(w, h) < level_size_factor · s_l (default 8, i.e. the box spans fewer than 8 cells);
the coarsest level takes everything larger. With strides (8, 16, 32) that is max side < 64 px → stride
8, < 128 px → stride 16, else stride 32 (the FCOS / YOLOv3 idea of size ranges per level).

On that level, the cell containing the gt center (clamped into the grid) is
* ``center-1``: the single positive;
* ``center-3x3``: the middle of a 3×3 patch of positives (cells outside the grid are dropped).

A point claimed by several gts goes to the smallest-area gt (ties: lower gt index). Predictions are
used only for ``matched_iou`` (the class target's IoU weight), never for choosing.

Shapes: as in ``simota``: pred_boxes (B, A, 4) cxcywh px, gt_boxes (B, G, 4), gt_valid (B, G) bool.
"""

from __future__ import annotations

import torch
from torch import Tensor

from yolox_edu.assign.matching import resolve_conflicts
from yolox_edu.assign.result import AssignResult
from yolox_edu.boxes import aligned_iou
from yolox_edu.grid import Grid

__all__ = ["center_assign", "center_assign_batched", "fitting_level"]

LEVEL_SIZE_FACTOR = 8.0  # a gt goes to the finest level where max(w, h) < factor · stride


def _level_info(grid: Grid) -> tuple[Tensor, list[int], list[tuple[int, int]]]:
    """Per-level strides (L,), first point index of each level, and (h, w) of each level."""
    offsets, start = [], 0
    for h, w in grid.level_shapes:
        offsets.append(start)
        start += h * w
    return grid.strides[offsets], offsets, list(grid.level_shapes)


def fitting_level(gt_boxes: Tensor, level_strides: Tensor, level_size_factor: float = LEVEL_SIZE_FACTOR) -> Tensor:
    """Index of the level that fits each gt. Shapes: (..., G, 4) cxcywh, (L,) → (..., G) int64."""
    max_side = gt_boxes[..., 2:4].amax(dim=-1)  # (..., G)
    limits = level_size_factor * level_strides[:-1]  # (L - 1,) upper size bound of all but the last level
    return (max_side[..., None] >= limits).sum(dim=-1)  # (..., G) int64


def _patch_points(gt_boxes: Tensor, grid: Grid, patch: int, level_size_factor: float) -> tuple[Tensor, Tensor]:
    """Point index of every cell of each gt's patch, and whether that cell lies inside its grid.

    Shapes: gt_boxes (B, G, 4) → (B, G, patch²) int64, (B, G, patch²) bool.
    """
    level_strides, offsets, shapes = _level_info(grid)
    level = fitting_level(gt_boxes, level_strides, level_size_factor)  # (B, G)
    stride = level_strides[level]  # (B, G)
    heights = torch.tensor([h for h, _ in shapes], device=gt_boxes.device)[level]  # (B, G)
    widths = torch.tensor([w for _, w in shapes], device=gt_boxes.device)[level]  # (B, G)
    col = (gt_boxes[..., 0] / stride).floor().long().clamp(min=0).minimum(widths - 1)  # (B, G)
    row = (gt_boxes[..., 1] / stride).floor().long().clamp(min=0).minimum(heights - 1)  # (B, G)
    steps = torch.arange(patch, device=gt_boxes.device) - patch // 2  # (patch,)
    d_row, d_col = torch.meshgrid(steps, steps, indexing="ij")
    cols = col[..., None] + d_col.reshape(-1)  # (B, G, P)
    rows = row[..., None] + d_row.reshape(-1)  # (B, G, P)
    inside = (cols >= 0) & (cols < widths[..., None]) & (rows >= 0) & (rows < heights[..., None])  # (B, G, P)
    start = torch.tensor(offsets, device=gt_boxes.device)[level]  # (B, G)
    index = start[..., None] + rows.clamp(min=0) * widths[..., None] + cols.clamp(min=0)  # (B, G, P)
    return index, inside


@torch.no_grad()
def center_assign_batched(
    pred_boxes: Tensor,
    cls_logits: Tensor,
    obj_logits: Tensor,
    gt_boxes: Tensor,
    gt_classes: Tensor,
    gt_valid: Tensor,
    grid: Grid,
    *,
    patch: int = 3,
    level_size_factor: float = LEVEL_SIZE_FACTOR,
) -> AssignResult:
    """Center-cell (``patch=1``) or 3×3 multi-positive (``patch=3``) assignment for a padded batch."""
    if patch < 1 or patch % 2 == 0:
        raise ValueError(f"patch must be a positive odd number of cells, got {patch}")
    gt_boxes = gt_boxes.float()  # (B, G, 4)
    if gt_valid.shape[1] == 0:  # targets without any rows
        return AssignResult.empty(pred_boxes.shape[1], 0, pred_boxes.device, batch=pred_boxes.shape[0])
    batch, num_gt = gt_valid.shape
    index, inside = _patch_points(gt_boxes, grid, patch, level_size_factor)  # (B, G, P) each
    inside &= gt_valid[..., None]  # (B, G, P) bool
    index = torch.where(inside, index, grid.num_points)  # (B, G, P) dropped cells go to a spare column A
    matching = torch.zeros(batch, num_gt, grid.num_points + 1, dtype=torch.bool, device=gt_boxes.device)
    matching = matching.scatter_(2, index, True)[..., :-1]  # (B, G, A) bool
    area = (gt_boxes[..., 2] * gt_boxes[..., 3])[..., None].expand_as(matching)  # (B, G, A)
    cost = torch.where(matching, area, torch.full_like(area, float("inf")))  # (B, G, A) claimants only
    matched = resolve_conflicts(matching, cost)  # (B, A)
    fg = matched >= 0  # (B, A) bool
    matched_boxes = gt_boxes.gather(1, matched.clamp(min=0)[..., None].expand(-1, -1, 4))  # (B, A, 4)
    matched_iou = aligned_iou(pred_boxes.float(), matched_boxes) * fg  # (B, A)
    return AssignResult(fg_mask=fg, matched_gt=matched, matched_iou=matched_iou, dynamic_k=inside.sum(-1))


def center_assign(
    pred_boxes: Tensor,
    cls_logits: Tensor,
    obj_logits: Tensor,
    gt_boxes: Tensor,
    gt_classes: Tensor,
    grid: Grid,
    *,
    patch: int = 3,
    level_size_factor: float = LEVEL_SIZE_FACTOR,
) -> AssignResult:
    """One image: the batched rule on a batch of one. Shapes as ``simota.simota_assign``."""
    valid = torch.ones(1, gt_boxes.shape[0], dtype=torch.bool, device=gt_boxes.device)  # (1, G)
    r = center_assign_batched(
        pred_boxes[None], cls_logits[None], obj_logits[None], gt_boxes[None], gt_classes[None], valid, grid,
        patch=patch, level_size_factor=level_size_factor,
    )
    return AssignResult(r.fg_mask[0], r.matched_gt[0], r.matched_iou[0], r.dynamic_k[0])
