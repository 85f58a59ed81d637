"""Assignment statistics over a dataset: how many positives each gt gets under a rule, on which pyramid
levels, against the gt's size, and which gts get none (notebooks 05 and 06).

``assignment_stats`` is a pure function of predictions and padded targets, so any rule, model or batch
can be compared; ``dataset_assignment_stats`` runs a model over a dataset first.

Shapes: B images, A points, G padded gts per image (all-zero rows are padding), L levels; the result holds
one row per real gt of the whole set (T rows).
"""

from __future__ import annotations

from dataclasses import dataclass

import torch
from torch import Tensor, nn

from yolox_edu.assign.registry import get_assigner
from yolox_edu.grid import Grid

__all__ = ["AssignmentStats", "assignment_stats", "dataset_assignment_stats"]


@dataclass(frozen=True)
class AssignmentStats:
    """One rule's assignment, summarised per gt.

    Attributes:
        rule: the assigner's name.
        gt_size: (T,) float, √(w·h) of each gt in input pixels.
        image_index: (T,) int64, the image each gt belongs to.
        positives: (T, L) int64, positives of each gt on each level (finest first).
        strides: the stride of each level, from the grid.
    """

    rule: str
    gt_size: Tensor
    image_index: Tensor
    positives: Tensor
    strides: tuple[int, ...]

    @property
    def total(self) -> Tensor:
        """(T,) int64 positives per gt over all levels."""
        return self.positives.sum(dim=1)

    @property
    def level_names(self) -> list[str]:
        return [f"stride {s}" for s in self.strides]

    def zero_positive(self) -> Tensor:
        """(Z,) indices of the gts left without any positive."""
        return (self.total == 0).nonzero()[:, 0]

    def by_size(self, edges: tuple[float, ...]) -> list[tuple[float, float, int, float, list[float]]]:
        """Per size bin [lo, hi): (lo, hi, gts, mean positives per gt, share of positives on each level)."""
        rows = []
        for lo, hi in zip(edges[:-1], edges[1:]):
            sel = (self.gt_size >= lo) & (self.gt_size < hi)  # (T,) bool
            count = int(sel.sum())
            per_level = self.positives[sel].sum(dim=0).float()  # (L,)
            share = (per_level / per_level.sum().clamp(min=1)).tolist()
            rows.append((lo, hi, count, float(self.total[sel].float().mean()) if count else 0.0, share))
        return rows


def _level_of_points(grid: Grid) -> Tensor:
    """(A,) int64 level index (0 = finest) of every point."""
    return torch.searchsorted(torch.unique(grid.strides), grid.strides)  # (A,)


@torch.no_grad()
def assignment_stats(rule: str, pred_boxes: Tensor, cls_logits: Tensor, obj_logits: Tensor, targets: Tensor,
                     grid: Grid, **rule_kwargs) -> AssignmentStats:
    """Run the batched assigner ``rule`` on a batch and count each real gt's positives per level.

    ``pred_boxes`` (B, A, 4) cxcywh px, ``cls_logits`` (B, A, C), ``obj_logits`` (B, A), ``targets``
    (B, G, 5) rows (class, cx, cy, w, h) in input pixels, all-zero rows are padding."""
    if targets.ndim != 3 or targets.shape[-1] != 5:
        raise ValueError(f"targets must be (B, G, 5) rows (class, cx, cy, w, h), got {tuple(targets.shape)}")
    if pred_boxes.shape[:2] != targets.shape[:1] + (grid.num_points,):
        raise ValueError(f"pred_boxes {tuple(pred_boxes.shape)} does not match {targets.shape[0]} images and "
                         f"{grid.num_points} grid points")
    batch, num_gt = targets.shape[:2]
    gt_valid = targets[..., 3:5].prod(dim=-1) > 0  # (B, G) bool: padding rows have w·h = 0
    gt_boxes, gt_classes = targets[..., 1:5], targets[..., 0].long()  # (B, G, 4), (B, G)
    result = get_assigner(rule)(pred_boxes, cls_logits, obj_logits, gt_boxes, gt_classes, gt_valid, grid,
                                **rule_kwargs)
    level = _level_of_points(grid)  # (A,)
    b, a = (result.matched_gt >= 0).nonzero(as_tuple=True)  # (F,) image and point of each positive
    counts = torch.zeros(batch, num_gt, len(grid.level_shapes), dtype=torch.int64)  # (B, G, L)
    counts.index_put_((b, result.matched_gt[b, a], level[a]), torch.ones_like(b), accumulate=True)
    image_index = torch.arange(batch)[:, None].expand(batch, num_gt)  # (B, G)
    strides = tuple(int(s) for s in torch.unique(grid.strides).tolist())
    return AssignmentStats(rule, gt_boxes[gt_valid][:, 2:].prod(dim=1).sqrt(), image_index[gt_valid],
                           counts[gt_valid], strides)


@torch.no_grad()
def dataset_assignment_stats(model: nn.Module, dataset, rules: tuple[str, ...], input_hw: tuple[int, int],
                             batch_size: int = 20) -> dict[str, AssignmentStats]:
    """``assignment_stats`` of every rule over a ``CocoDataset``, with ``model``'s predictions (eval mode).

    Images are letterboxed to ``input_hw`` as for evaluation; gt sizes are in those input pixels. Runs on one
    thread (restored afterwards)."""
    from yolox_edu.assign.trace import model_predictions  # runs a network: kept out of the pure path
    from yolox_edu.data import ValDataset, collate_samples

    was_training, threads = model.training, torch.get_num_threads()
    model.eval()
    torch.set_num_threads(1)  # many small ops: on a busy 2-core machine 2 threads measured several times slower
    letterboxed = ValDataset(dataset, input_hw)
    parts: dict[str, list[AssignmentStats]] = {rule: [] for rule in rules}
    try:
        for start in range(0, len(letterboxed), batch_size):
            images, targets, _ = collate_samples([letterboxed[i] for i in
                                                  range(start, min(start + batch_size, len(letterboxed)))])
            pred = model_predictions(model, images.float())
            for rule in rules:
                part = assignment_stats(rule, pred.boxes, pred.cls_logits, pred.obj_logits, targets, pred.grid)
                parts[rule].append(AssignmentStats(rule, part.gt_size, part.image_index + start, part.positives,
                                                   part.strides))
    finally:
        model.train(was_training)
        torch.set_num_threads(threads)
    return {rule: AssignmentStats(rule, *(torch.cat([getattr(p, f) for p in ps]) for f in
                                          ("gt_size", "image_index", "positives")), ps[0].strides)
            for rule, ps in parts.items()}
