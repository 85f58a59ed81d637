"""Dynamic k, the k cheapest candidates per gt, and conflicts (notebook 06_simota). Reference answers
for ``exercises/dynamic_k.py``.

Shapes: G ground truths, N candidate points. ious, cost (G, N); k (G,) int64; matching (G, N) bool;
matched gt per point (N,) int64 with -1 for background.
"""

from __future__ import annotations

import torch
from torch import Tensor


def dynamic_k(ious: Tensor, candidate_topk: int = 10) -> Tensor:
    """k = max(1, floor(sum of the gt's top-min(candidate_topk, N) IoUs)): (G, N) → (G,) int64."""
    n = min(candidate_topk, ious.shape[1])
    top = ious.topk(n, dim=1).values  # (G, n)
    return top.sum(dim=1).floor().long().clamp(min=1)  # (G,)


def select_lowest_cost(cost: Tensor, k: Tensor) -> Tensor:
    """Each gt (row) takes its k[g] lowest-cost points; equal costs: the lower point index first.
    (G, N), (G,) → (G, N) bool."""
    order = cost.argsort(dim=1, stable=True)  # (G, N) cheapest first, ties by index
    rank = order.argsort(dim=1)  # (G, N) position of each point in its row's order
    return rank < k[:, None]  # (G, N)


def resolve_conflicts(matching: Tensor, cost: Tensor) -> Tensor:
    """Matched gt per point: its only claimant; when several gts claim it, the gt with the lowest cost
    for it among ALL gts (ties: lower gt index); -1 when nobody claims it. (G, N), (G, N) → (N,) int64."""
    claims = matching.sum(dim=0)  # (N,)
    matched = torch.full((matching.shape[1],), -1, dtype=torch.int64, device=matching.device)  # (N,)
    if matching.shape[0] == 0:
        return matched
    only = matching.long().argmax(dim=0)  # (N,) first claimant
    cheapest = cost.argmin(dim=0)  # (N,)
    matched = torch.where(claims == 1, only, matched)
    return torch.where(claims > 1, cheapest, matched)  # (N,)
