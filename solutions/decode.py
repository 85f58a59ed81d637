"""Anchor points and decoding raw head outputs into boxes (notebook 04_decode_nms). Reference answers
for ``exercises/decode.py``.

Shapes: B batch, A anchor points over all levels, K channels per point, (h, w) a level's grid size.
"""

from __future__ import annotations

import torch
from torch import Tensor


def grid_points(input_hw: tuple[int, int], strides: tuple[int, ...] = (8, 16, 32)) -> tuple[Tensor, Tensor]:
    """Cell indices (A, 2) float32 as (column i, row j) and point strides (A,) float32, level after
    level, each level row-major (row j outer, column i inner)."""
    cells, point_strides = [], []
    for s in strides:
        h, w = input_hw[0] // s, input_hw[1] // s
        rows, cols = torch.meshgrid(torch.arange(h), torch.arange(w), indexing="ij")  # (h, w) each
        cells.append(torch.stack((cols, rows), dim=-1).reshape(-1, 2).float())  # (h·w, 2)
        point_strides.append(torch.full((h * w,), float(s)))  # (h·w,)
    return torch.cat(cells), torch.cat(point_strides)  # (A, 2), (A,)


def flatten_levels(maps: list[Tensor]) -> Tensor:
    """Per-level (B, K, h, w) maps → (B, A, K), levels concatenated in order, each row-major."""
    return torch.cat([m.flatten(start_dim=2) for m in maps], dim=2).transpose(1, 2)  # (B, A, K)


def decode_boxes(reg: Tensor, cells: Tensor, strides: Tensor) -> Tensor:
    """Raw (B, A, 4) = (tx, ty, tw, th) → (B, A, 4) cxcywh pixels:
    cx = (tx + i)·s, cy = (ty + j)·s, w = exp(tw)·s, h = exp(th)·s."""
    s = strides[:, None]  # (A, 1)
    xy = (reg[..., :2] + cells) * s  # (B, A, 2)
    wh = reg[..., 2:4].exp() * s  # (B, A, 2)
    return torch.cat((xy, wh), dim=-1)  # (B, A, 4)
