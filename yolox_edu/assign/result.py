"""The typed result every assignment rule returns."""

from __future__ import annotations

from dataclasses import dataclass

import torch
from torch import Tensor

__all__ = ["AssignResult"]


@dataclass
class AssignResult:
    """Which anchor points are foreground, and for which gt.

    For one image the shapes are as below; a batched result adds a leading B to each field (gt indices
    then index the padded (B, G) gt rows, and ``dynamic_k`` is 0 for padding rows).

    Attributes:
        fg_mask: (A,) bool, True for foreground (positive) points.
        matched_gt: (A,) int64, index of the matched gt, -1 on background.
        matched_iou: (A,) float32, IoU of the point's predicted box with its matched gt, 0 on background.
        dynamic_k: (G,) int64, how many points each gt asked for (SimOTA's k; for the center rules the
            number of cells of its 1×1 or 3×3 patch inside the grid).
    """

    fg_mask: Tensor
    matched_gt: Tensor
    matched_iou: Tensor
    dynamic_k: Tensor

    @property
    def num_fg(self) -> int:
        return int(self.fg_mask.sum())

    @classmethod
    def empty(
        cls, num_points: int, num_gt: int, device: torch.device | str | None = None, batch: int | None = None
    ) -> AssignResult:
        """All background (no gts or no candidates); with ``batch`` the batched shapes (B, A), (B, G)."""
        lead = () if batch is None else (batch,)
        return cls(
            fg_mask=torch.zeros(*lead, num_points, dtype=torch.bool, device=device),  # (A,) bool
            matched_gt=torch.full((*lead, num_points), -1, dtype=torch.long, device=device),  # (A,)
            matched_iou=torch.zeros(*lead, num_points, device=device),  # (A,)
            dynamic_k=torch.zeros(*lead, num_gt, dtype=torch.long, device=device),  # (G,)
        )

    @classmethod
    def stack(cls, results: list[AssignResult], gt_index: list[Tensor], num_gt: int) -> AssignResult:
        """Batch per-image results; ``gt_index[b]`` maps image b's gt numbers to rows of the padded (G,).

        Shapes: each result for one image with its own G_b → fields (B, A) and (B, num_gt).
        """
        matched, ks = [], []
        for r, index in zip(results, gt_index):
            safe = r.matched_gt.clamp(min=0)  # (A,)
            matched.append(torch.where(r.fg_mask, index[safe] if len(index) else safe, -1))  # (A,)
            ks.append(r.dynamic_k.new_zeros(num_gt).index_copy(0, index, r.dynamic_k))  # (G,)
        return cls(
            fg_mask=torch.stack([r.fg_mask for r in results]),  # (B, A)
            matched_gt=torch.stack(matched),  # (B, A)
            matched_iou=torch.stack([r.matched_iou for r in results]),  # (B, A)
            dynamic_k=torch.stack(ks),  # (B, G)
        )
