"""The Focus stem: space-to-depth, then a conv (notebook 02_backbone). Reference answers for
``exercises/focus.py``.

Shapes: B batch, C channels, H, W image height and width (both even).
"""

from __future__ import annotations

import torch
from torch import Tensor, nn


def space_to_depth(x: Tensor) -> Tensor:
    """(B, C, H, W) → (B, 4C, H/2, W/2): the four pixel phases stacked on channels, in the order
    top-left, bottom-left, top-right, bottom-right (the official order; the stem's weights depend on it)."""
    top_left = x[..., 0::2, 0::2]  # (B, C, H/2, W/2) even rows, even columns
    bottom_left = x[..., 1::2, 0::2]  # odd rows, even columns
    top_right = x[..., 0::2, 1::2]  # even rows, odd columns
    bottom_right = x[..., 1::2, 1::2]  # odd rows, odd columns
    return torch.cat((top_left, bottom_left, top_right, bottom_right), dim=1)  # (B, 4C, H/2, W/2)


class Focus(nn.Module):
    """space_to_depth, then Conv2d (no bias) → BatchNorm2d → SiLU. ``__init__`` is given."""

    def __init__(self, c_in: int, c_out: int, ksize: int = 1, stride: int = 1):
        super().__init__()
        self.conv = nn.Conv2d(4 * c_in, c_out, ksize, stride, padding=(ksize - 1) // 2, bias=False)
        self.bn = nn.BatchNorm2d(c_out, eps=1e-3, momentum=0.03)
        self.act = nn.SiLU()

    def forward(self, x: Tensor) -> Tensor:
        """(B, C, H, W) → (B, c_out, H/2, W/2) for stride 1."""
        return self.act(self.bn(self.conv(space_to_depth(x))))
