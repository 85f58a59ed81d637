"""Exercise: the CSP bottleneck and CSP layer of CSPDarknet — notebook 02 ("Your turn").

Replace each ``raise NotImplementedError`` with your code, then grade it:

    yolox-edu grade csp                                     # in a terminal, from the course folder
    from yolox_edu.grading import check; check("csp")       # in the notebook

Use torch only. Use the attribute names given below (``conv1``, ``conv2``, ``conv3``, ``m``): they are the
official ones, so the official checkpoints load into your modules (the grader checks the parameter names
and shapes, then loads reference weights and compares outputs). Shapes: (B, C, h, w) feature maps.
"""

from __future__ import annotations

from torch import Tensor, nn


class BaseConv(nn.Module):
    """Conv2d (no bias, 'same' padding) → BatchNorm2d → SiLU. Given: use it, do not change it."""

    def __init__(self, c_in: int, c_out: int, ksize: int, stride: int = 1):
        super().__init__()
        self.conv = nn.Conv2d(c_in, c_out, ksize, stride, padding=(ksize - 1) // 2, bias=False)
        self.bn = nn.BatchNorm2d(c_out, eps=1e-3, momentum=0.03)
        self.act = nn.SiLU()

    def forward(self, x: Tensor) -> Tensor:
        return self.act(self.bn(self.conv(x)))


class Bottleneck(nn.Module):
    """A 1×1 conv, a 3×3 conv, and a residual add.

    ``__init__``: ``hidden = int(c_out * expansion)``; ``self.conv1 = BaseConv(c_in, hidden, 1)``;
    ``self.conv2 = BaseConv(hidden, c_out, 3)``; remember whether to add the input: only when ``shortcut``
    is True AND ``c_in == c_out`` (otherwise the shapes would not match).

    ``forward``: (B, c_in, h, w) → (B, c_out, h, w): ``y = conv2(conv1(x))``, then ``x + y`` or ``y``.

    Example: Bottleneck(64, 64) has conv1 64 → 32 (1×1) and conv2 32 → 64 (3×3) and adds its input;
    Bottleneck(64, 128) has conv1 64 → 64, conv2 64 → 128 and no residual.
    """

    def __init__(self, c_in: int, c_out: int, shortcut: bool = True, expansion: float = 0.5):
        super().__init__()
        raise NotImplementedError

    def forward(self, x: Tensor) -> Tensor:
        raise NotImplementedError


class CSPLayer(nn.Module):
    """Cross-stage partial layer: split into two 1×1 branches, run bottlenecks on one, concatenate, fuse.

    ``__init__``: ``hidden = int(c_out * expansion)``; ``self.conv1 = BaseConv(c_in, hidden, 1)`` (the
    bottleneck branch); ``self.conv2 = BaseConv(c_in, hidden, 1)`` (the shortcut branch);
    ``self.conv3 = BaseConv(2 * hidden, c_out, 1)``; ``self.m = nn.Sequential(...)`` of ``n``
    ``Bottleneck(hidden, hidden, shortcut, 1.0)``.

    ``forward``: (B, c_in, h, w) → (B, c_out, h, w): ``conv3(cat((m(conv1(x)), conv2(x)), dim=1))`` — the
    bottleneck branch first (conv3's weights depend on the order).

    Example: CSPLayer(64, 128, n=3) → hidden 64; conv1 and conv2 are 64 → 64, m holds 3 bottlenecks
    64 → 64, conv3 is 128 → 128; a (2, 64, 40, 40) input gives (2, 128, 40, 40).
    """

    def __init__(self, c_in: int, c_out: int, n: int = 1, shortcut: bool = True, expansion: float = 0.5):
        super().__init__()
        raise NotImplementedError

    def forward(self, x: Tensor) -> Tensor:
        raise NotImplementedError
