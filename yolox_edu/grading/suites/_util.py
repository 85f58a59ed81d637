"""Seeded inputs shared by the suites."""

from __future__ import annotations

import torch
from torch import Tensor


def gen(seed: int) -> torch.Generator:
    return torch.Generator().manual_seed(seed)


def random_xyxy(n: int, seed: int, size: float = 100.0, min_side: float = 2.0) -> Tensor:
    """(n, 4) float32 xyxy boxes with sides >= min_side inside a size × size image."""
    g = gen(seed)
    low = torch.rand(n, 2, generator=g) * size * 0.8  # (n, 2)
    side = min_side + torch.rand(n, 2, generator=g) * size * 0.4  # (n, 2)
    return torch.cat((low, low + side), dim=1)  # (n, 4)


def random_cxcywh(n: int, seed: int, size: float = 100.0) -> Tensor:
    """(n, 4) float32 cxcywh boxes."""
    b = random_xyxy(n, seed, size)
    return torch.cat(((b[:, :2] + b[:, 2:]) / 2, b[:, 2:] - b[:, :2]), dim=1)


def distinct_scores(n: int, seed: int) -> Tensor:
    """(n,) float32 scores in (0, 1), all different (a permutation, so no ties)."""
    return (torch.randperm(n, generator=gen(seed)).float() + 1) / (n + 1)
