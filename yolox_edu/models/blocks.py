"""Building blocks of CSPDarknet, PAFPN and the head. Attribute names follow the official YOLOX
modules so that official checkpoints load without renaming."""

from __future__ import annotations

import torch
from torch import Tensor, nn

__all__ = ["make_activation", "BaseConv", "DWConv", "Bottleneck", "CSPLayer", "SPPBottleneck", "Focus",
           "ResLayer", "conv_block"]

BN_EPS = 1e-3
BN_MOMENTUM = 0.03


def make_activation(name: str) -> nn.Module:
    """``"silu"`` | ``"relu"`` | ``"lrelu"`` (LeakyReLU, slope 0.1)."""
    if name == "silu":
        return nn.SiLU(inplace=True)
    if name == "relu":
        return nn.ReLU(inplace=True)
    if name == "lrelu":
        return nn.LeakyReLU(0.1, inplace=True)
    raise ValueError(f"unknown activation {name!r}; choose 'silu', 'relu' or 'lrelu'")


class BaseConv(nn.Module):
    """Conv2d (no bias) → BatchNorm2d → activation. ``fuse()`` folds the BN into the conv."""

    def __init__(self, c_in: int, c_out: int, ksize: int, stride: int = 1, groups: int = 1, act: str = "silu"):
        super().__init__()
        self.conv = nn.Conv2d(c_in, c_out, ksize, stride, padding=(ksize - 1) // 2, groups=groups, bias=False)
        self.bn = nn.BatchNorm2d(c_out, eps=BN_EPS, momentum=BN_MOMENTUM)
        self.act = make_activation(act)

    def forward(self, x: Tensor) -> Tensor:
        return self.act(self.bn(self.conv(x)))

    @torch.no_grad()
    def fuse(self) -> None:
        """Fold BatchNorm into the conv weights (inference only); the BN becomes an identity."""
        if isinstance(self.bn, nn.Identity):
            return
        fused = nn.utils.fusion.fuse_conv_bn_eval(self.conv.eval(), self.bn.eval())
        self.conv, self.bn = fused, nn.Identity()


class DWConv(nn.Module):
    """Depthwise 3×3 BaseConv followed by a pointwise 1×1 BaseConv (YOLOX-Nano)."""

    def __init__(self, c_in: int, c_out: int, ksize: int, stride: int = 1, act: str = "silu"):
        super().__init__()
        self.dconv = BaseConv(c_in, c_in, ksize, stride, groups=c_in, act=act)
        self.pconv = BaseConv(c_in, c_out, 1, 1, act=act)

    def forward(self, x: Tensor) -> Tensor:
        return self.pconv(self.dconv(x))


def conv_block(c_in: int, c_out: int, ksize: int, stride: int = 1, act: str = "silu",
               depthwise: bool = False) -> nn.Module:
    """The 3×3 conv used everywhere: DWConv when ``depthwise`` else BaseConv."""
    return DWConv(c_in, c_out, ksize, stride, act) if depthwise else BaseConv(c_in, c_out, ksize, stride, act=act)


class Bottleneck(nn.Module):
    """1×1 then 3×3 conv, with a residual add when ``shortcut`` and channel counts match."""

    def __init__(self, c_in: int, c_out: int, shortcut: bool = True, expansion: float = 0.5,
                 depthwise: bool = False, act: str = "silu"):
        super().__init__()
        hidden = int(c_out * expansion)
        self.conv1 = BaseConv(c_in, hidden, 1, act=act)
        self.conv2 = conv_block(hidden, c_out, 3, 1, act, depthwise)
        self.use_add = shortcut and c_in == c_out

    def forward(self, x: Tensor) -> Tensor:
        y = self.conv2(self.conv1(x))
        return x + y if self.use_add else y


class CSPLayer(nn.Module):
    """Cross-stage partial layer: two 1×1 branches, ``n`` bottlenecks on one, concat, 1×1 out."""

    def __init__(self, c_in: int, c_out: int, n: int = 1, shortcut: bool = True, expansion: float = 0.5,
                 depthwise: bool = False, act: str = "silu"):
        super().__init__()
        hidden = int(c_out * expansion)
        self.conv1 = BaseConv(c_in, hidden, 1, act=act)
        self.conv2 = BaseConv(c_in, hidden, 1, act=act)
        self.conv3 = BaseConv(2 * hidden, c_out, 1, act=act)
        self.m = nn.Sequential(*(Bottleneck(hidden, hidden, shortcut, 1.0, depthwise, act) for _ in range(n)))

    def forward(self, x: Tensor) -> Tensor:
        return self.conv3(torch.cat((self.m(self.conv1(x)), self.conv2(x)), dim=1))


class SPPBottleneck(nn.Module):
    """1×1 conv, then max-pools of several sizes (stride 1) concatenated with their input, then 1×1."""

    def __init__(self, c_in: int, c_out: int, kernel_sizes: tuple[int, ...] = (5, 9, 13), act: str = "silu"):
        super().__init__()
        hidden = c_in // 2
        self.conv1 = BaseConv(c_in, hidden, 1, act=act)
        self.m = nn.ModuleList(nn.MaxPool2d(k, stride=1, padding=k // 2) for k in kernel_sizes)
        self.conv2 = BaseConv(hidden * (len(kernel_sizes) + 1), c_out, 1, act=act)

    def forward(self, x: Tensor) -> Tensor:
        x = self.conv1(x)
        return self.conv2(torch.cat([x] + [pool(x) for pool in self.m], dim=1))


class Focus(nn.Module):
    """Space-to-depth: the four pixel phases stacked on channels (C → 4C, H×W → H/2×W/2), then a conv.

    Phase order (top-left, bottom-left, top-right, bottom-right) is the official one; the stem's
    weights depend on it."""

    def __init__(self, c_in: int, c_out: int, ksize: int = 1, stride: int = 1, act: str = "silu"):
        super().__init__()
        self.conv = BaseConv(c_in * 4, c_out, ksize, stride, act=act)

    def forward(self, x: Tensor) -> Tensor:  # (B, C, H, W) → (B, 4C, H/2, W/2) → conv
        phases = (x[..., ::2, ::2], x[..., 1::2, ::2], x[..., ::2, 1::2], x[..., 1::2, 1::2])
        return self.conv(torch.cat(phases, dim=1))


class ResLayer(nn.Module):
    """Darknet53 residual block: 1×1 to half the channels, 3×3 back, add (LeakyReLU)."""

    def __init__(self, channels: int):
        super().__init__()
        self.layer1 = BaseConv(channels, channels // 2, 1, act="lrelu")
        self.layer2 = BaseConv(channels // 2, channels, 3, act="lrelu")

    def forward(self, x: Tensor) -> Tensor:
        return x + self.layer2(self.layer1(x))
