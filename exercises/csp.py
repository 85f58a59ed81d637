"""Exercise: the CSP bottleneck and CSP layer of CSPDarknet — notebook 02 ("Your turn").

Replace each ``raise NotImplementedError`` with your code, then grade it:

    yolox-edu grade csp                                     # in a terminal, from the course folder
    from yolox_edu.grading import check; check("csp")       # in the notebook

Use torch only. Your modules must have the official parameter names and shapes, so the official checkpoints
load into them: the grader compares the names and shapes, then loads reference weights and compares outputs.
The notebook's diagram and the examples below are all you need. Shapes: (B, C, h, w) feature maps.
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
    """YOLOX's residual bottleneck (notebook 02's diagram), with the official layout.

    Contract: ``Bottleneck(c_in, c_out, shortcut, expansion)`` has the same ``state_dict`` keys and shapes as
    ``yolox_edu.models.blocks.Bottleneck`` with the same arguments, and with its weights loaded it gives the
    same output, (B, c_in, h, w) → (B, c_out, h, w). The input is added back only where the shapes allow it
    and ``shortcut`` asks for it.

    Example:
        Bottleneck(64, 64).state_dict(): conv1.conv.weight (32, 64, 1, 1), conv1.bn.* (32,),
        conv2.conv.weight (64, 32, 3, 3), conv2.bn.* (64,); it adds its input. Bottleneck(64, 128) does not.
    """

    def __init__(self, c_in: int, c_out: int, shortcut: bool = True, expansion: float = 0.5):
        super().__init__()
        raise NotImplementedError

    def forward(self, x: Tensor) -> Tensor:
        raise NotImplementedError


class CSPLayer(nn.Module):
    """YOLOX's cross-stage partial layer (notebook 02's diagram), with the official layout.

    Contract: ``CSPLayer(c_in, c_out, n, shortcut, expansion)`` has the same ``state_dict`` keys and shapes
    as ``yolox_edu.models.blocks.CSPLayer`` with the same arguments, and with its weights loaded it gives
    the same output, (B, c_in, h, w) → (B, c_out, h, w). The fusing conv's weights only fit one order of
    the two branches.

    Example:
        CSPLayer(64, 128, n=3).state_dict(): conv1.conv.weight and conv2.conv.weight (64, 64, 1, 1),
        conv3.conv.weight (128, 128, 1, 1), m.0 … m.2 three Bottleneck(64, 64) with expansion 1.0
        (m.0.conv1.conv.weight (64, 64, 1, 1)); a (2, 64, 40, 40) input gives (2, 128, 40, 40).
    """

    def __init__(self, c_in: int, c_out: int, n: int = 1, shortcut: bool = True, expansion: float = 0.5):
        super().__init__()
        raise NotImplementedError

    def forward(self, x: Tensor) -> Tensor:
        raise NotImplementedError


def csp_param_count(c_in: int, c_out: int, n: int, expansion: float = 0.5) -> int:
    """Predict it: the number of learnable parameters of ``CSPLayer(c_in, c_out, n, expansion=expansion)``
    (conv weights, BatchNorm weights and biases; not BatchNorm's running statistics), from its layout alone.

    Returns:
        an int.

    Example:
        CSPLayer(8, 8, n=1) → 336; CSPLayer(64, 128, n=3) → 148736.
    """
    raise NotImplementedError
