"""Solution: encode a ground-truth box into the head's raw targets (see exercises/encode.py)."""

from __future__ import annotations

import torch
from torch import Tensor


def cell_of(centers: Tensor, stride: int) -> Tensor:
    """Cell (i, j) containing each point: floor of the position in cells."""
    return torch.div(centers, stride, rounding_mode="floor").long()  # (N, 2)


def encode_boxes(boxes: Tensor, cells: Tensor, strides: Tensor) -> Tensor:
    """Inverse of decoding: center in cells minus the cell, log of the size in strides."""
    s = strides.to(boxes.dtype)[:, None]  # (N, 1)
    txy = boxes[..., :2] / s - cells.to(boxes.dtype)  # (..., N, 2)
    twh = torch.log(boxes[..., 2:] / s)  # (..., N, 2)
    return torch.cat((txy, twh), dim=-1)  # (..., N, 4)
