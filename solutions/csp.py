"""The CSP bottleneck and CSP layer of CSPDarknet (notebook 02_backbone). Reference answers for
``exercises/csp.py``.

Attribute names are the official ones (``conv1``, ``conv2``, ``conv3``, ``m``) so that the official
checkpoints load into these modules. Shapes: (B, C, h, w) feature maps.
"""

from __future__ import annotations

import torch
from torch import Tensor, nn


class BaseConv(nn.Module):
    """Conv2d (no bias, 'same' padding) → BatchNorm2d → SiLU. Given, not part of the exercise."""

    def __init__(self, c_in: int, c_out: int, ksize: int, stride: int = 1):
        super().__init__()
        self.conv = nn.Conv2d(c_in, c_out, ksize, stride, padding=(ksize - 1) // 2, bias=False)
        self.bn = nn.BatchNorm2d(c_out, eps=1e-3, momentum=0.03)
        self.act = nn.SiLU()

    def forward(self, x: Tensor) -> Tensor:
        return self.act(self.bn(self.conv(x)))


class Bottleneck(nn.Module):
    """1×1 conv to ``int(c_out · expansion)`` channels, 3×3 conv to ``c_out``, plus the input when
    ``shortcut`` and ``c_in == c_out``."""

    def __init__(self, c_in: int, c_out: int, shortcut: bool = True, expansion: float = 0.5):
        super().__init__()
        hidden = int(c_out * expansion)
        self.conv1 = BaseConv(c_in, hidden, 1)
        self.conv2 = BaseConv(hidden, c_out, 3)
        self.use_add = shortcut and c_in == c_out

    def forward(self, x: Tensor) -> Tensor:
        """(B, c_in, h, w) → (B, c_out, h, w)."""
        y = self.conv2(self.conv1(x))
        return x + y if self.use_add else y


class CSPLayer(nn.Module):
    """Two 1×1 branches of ``hidden = int(c_out · expansion)`` channels; ``n`` Bottlenecks (hidden → hidden,
    expansion 1.0) on the first; concatenate (bottleneck branch first) and fuse with a 1×1 conv to ``c_out``."""

    def __init__(self, c_in: int, c_out: int, n: int = 1, shortcut: bool = True, expansion: float = 0.5):
        super().__init__()
        hidden = int(c_out * expansion)
        self.conv1 = BaseConv(c_in, hidden, 1)
        self.conv2 = BaseConv(c_in, hidden, 1)
        self.conv3 = BaseConv(2 * hidden, c_out, 1)
        self.m = nn.Sequential(*(Bottleneck(hidden, hidden, shortcut, 1.0) for _ in range(n)))

    def forward(self, x: Tensor) -> Tensor:
        """(B, c_in, h, w) → (B, c_out, h, w)."""
        return self.conv3(torch.cat((self.m(self.conv1(x)), self.conv2(x)), dim=1))


def csp_param_count(c_in: int, c_out: int, n: int, expansion: float = 0.5) -> int:
    """BaseConv(a, b, k) has a·b·k² conv weights and 2·b BatchNorm parameters."""
    def base(a: int, b: int, k: int) -> int:
        return a * b * k * k + 2 * b

    hidden = int(c_out * expansion)
    bottleneck = base(hidden, hidden, 1) + base(hidden, hidden, 3)  # expansion 1.0 inside the layer
    return 2 * base(c_in, hidden, 1) + base(2 * hidden, c_out, 1) + n * bottleneck
