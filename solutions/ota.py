"""Solution: OTA by Sinkhorn-Knopp (see exercises/ota.py). Works in log space, so 1e5 costs are harmless."""

from __future__ import annotations

import torch
from torch import Tensor

TOPK = 10  # SimOTA's candidate_topk
MIN_SUPPLY = 1e-8


def sinkhorn(cost: Tensor, supply: Tensor, demand: Tensor, epsilon: float = 0.1, iterations: int = 50) -> Tensor:
    log_k = -cost.float() / epsilon  # (S, D)
    log_a, log_b = supply.float().log(), demand.float().log()  # (S,), (D,)
    f, g = torch.zeros_like(log_a), torch.zeros_like(log_b)  # (S,), (D,) log scalings
    for _ in range(iterations):
        g = log_b - torch.logsumexp(log_k + f[:, None], dim=0)  # (D,)
        f = log_a - torch.logsumexp(log_k + g[None, :], dim=1)  # (S,)
    g = log_b - torch.logsumexp(log_k + f[:, None], dim=0)  # (D,) end on the demands: they hold exactly
    return (log_k + f[:, None] + g[None, :]).exp()  # (S, D)


def ota_labels(cost: Tensor, ious: Tensor, background_cost: Tensor, epsilon: float = 0.1,
               iterations: int = 50) -> Tensor:
    num_gt, n = cost.shape
    if num_gt == 0 or n == 0:
        return torch.full((n,), -1, dtype=torch.long)
    top = ious.float().topk(min(TOPK, n), dim=1).values  # (G, k)
    k = top.sum(dim=1).floor().clamp(min=1)  # (G,)
    if k.sum() > n:
        k = k * (n / k.sum())
    supply = torch.cat((k, (n - k.sum()).clamp(min=0)[None])).clamp(min=MIN_SUPPLY)  # (G + 1,)
    full = torch.cat((cost.float(), background_cost.float()[None]), dim=0)  # (G + 1, N)
    plan = sinkhorn(full, supply, torch.ones(n), epsilon, iterations)  # (G + 1, N)
    winner = plan.argmax(dim=0)  # (N,)
    return torch.where(winner < num_gt, winner, torch.full_like(winner, -1))  # (N,)
