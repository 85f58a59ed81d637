"""Dynamic k and matching: which candidates each gt takes, and who wins a point claimed twice.

1. k per gt = max(1, floor(sum of its top-min(10, N) IoUs with the N candidates)): a gt whose
   candidates overlap it well gets more positives.
2. Each gt takes its k lowest-cost candidates (ties: lower point index first, so results are
   deterministic and the per-image and batched versions agree).
3. A point taken by several gts goes to the gt with the lowest cost for it, chosen among *all* gts
   of the image (as official YOLOX 0.3.0 does), ties to the lower gt index.

The functions work on the last two dims (G, N) and broadcast over leading ones, except the plain
per-image helpers ``select_lowest_cost`` (which sorts, for reading) and ``resolve_conflicts``.

Shapes: ious, cost (..., G, N); k (..., G) int64; matching (..., G, N) bool; matched gt (..., N) int64
(-1 where the point is background).
"""

from __future__ import annotations

import torch
from torch import Tensor

__all__ = ["dynamic_k", "select_lowest_cost", "select_lowest_cost_batched", "resolve_conflicts"]

CANDIDATE_TOPK = 10  # how many of a gt's best IoUs are summed to get its k


def dynamic_k(ious: Tensor, candidate_topk: int = CANDIDATE_TOPK) -> Tensor:
    """k = max(1, floor(sum of the top-min(candidate_topk, N) IoUs)) per gt.

    Non-candidates may be present with IoU 0: they add nothing to the sum.
    Shapes: ious (..., G, N) → (..., G) int64.
    """
    n = min(candidate_topk, ious.shape[-1])
    top = ious.topk(n, dim=-1).values  # (..., G, n) sorted, largest first
    # cumsum adds strictly left to right, so trailing zeros (padding) never change the rounding
    total = top.cumsum(dim=-1)[..., -1] if n > 0 else ious.new_zeros(ious.shape[:-1])  # (..., G)
    return total.long().clamp(min=1)  # (..., G) int64; IoUs are >= 0 so .long() is floor


def select_lowest_cost(cost: Tensor, k: Tensor) -> Tensor:
    """Each gt (row) takes its k lowest-cost points; a stable sort breaks ties by point index.

    Shapes: cost (G, N), k (G,) → (G, N) bool.
    """
    order = cost.argsort(dim=1, stable=True)  # (G, N) point indices, cheapest first
    rank = torch.empty_like(order)  # (G, N) position of each point in its row's order
    rank.scatter_(1, order, torch.arange(cost.shape[1], device=cost.device).expand_as(order))
    return rank < k[:, None]  # (G, N) bool


def select_lowest_cost_batched(cost: Tensor, k: Tensor, max_k: int = CANDIDATE_TOPK) -> Tensor:
    """Same result as ``select_lowest_cost`` without sorting whole rows (k <= max_k is required).

    Finds each row's k-th smallest cost t with a top-k, takes every point below t, then as many points
    equal to t as still needed, lowest index first. Non-candidates must have cost +inf.
    Shapes: cost (..., G, N), k (..., G) → (..., G, N) bool.
    """
    n = min(max_k, cost.shape[-1])
    if n == 0:
        return torch.zeros_like(cost, dtype=torch.bool)
    smallest = cost.topk(n, dim=-1, largest=False).values  # (..., G, n) ascending
    kth = smallest.gather(-1, (k - 1).clamp(0, n - 1)[..., None])  # (..., G, 1) k-th smallest cost
    below = cost < kth  # (..., G, N) bool
    equal = cost == kth  # (..., G, N) bool
    need = k - below.sum(dim=-1)  # (..., G) how many of the tied points to take
    take = (below | equal) & (k > 0)[..., None]  # (..., G, N) bool
    too_many = (equal.sum(dim=-1) > need) & (k > 0)  # (..., G) rows with more ties than room
    if too_many.any():  # rare: keep the first `need` tied points of those rows only
        tied = equal[too_many]  # (R, N) bool
        first = tied & (tied.cumsum(dim=-1) <= need[too_many][:, None])  # (R, N) bool
        take[too_many] = below[too_many] | first
    return take  # (..., G, N) bool


def resolve_conflicts(matching: Tensor, cost: Tensor) -> Tensor:
    """Matched gt per point: the only claimant, or the lowest-cost gt (of all) when several claim it.

    Shapes: matching (..., G, N) bool, cost (..., G, N) → (..., N) int64, -1 for unclaimed points.
    """
    claims = matching.sum(dim=-2)  # (..., N) how many gts took each point
    if matching.shape[-2] == 0:  # no gts at all
        return torch.full_like(claims, -1)
    only = matching.to(torch.uint8).argmax(dim=-2)  # (..., N) the claimant when there is one
    cheapest = cost.argmin(dim=-2)  # (..., N) first minimum on ties
    matched = torch.where(claims > 1, cheapest, only)  # (..., N)
    return torch.where(claims > 0, matched, torch.full_like(matched, -1))  # (..., N) int64
