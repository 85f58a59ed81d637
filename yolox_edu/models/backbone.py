"""Backbones: CSPDarknet (YOLOX-Nano … X) and Darknet53 (the paper's YOLOv3 baseline).

Both return the dark3 / dark4 / dark5 feature maps at strides 8 / 16 / 32."""

from __future__ import annotations

from torch import Tensor, nn

from yolox_edu.models.blocks import BaseConv, CSPLayer, Focus, ResLayer, SPPBottleneck, conv_block

__all__ = ["CSPDarknet", "Darknet53"]


class CSPDarknet(nn.Module):
    """CSPDarknet with depth/width multipliers.

    Channels (width w): stem 64w → dark2 128w → dark3 256w → dark4 512w → dark5 1024w.
    Bottlenecks per CSP layer (depth d, n = max(round(3d), 1)): n, 3n, 3n, n."""

    def __init__(self, depth: float, width: float, depthwise: bool = False, act: str = "silu"):
        super().__init__()
        c = int(64 * width)  # base channels
        n = max(round(3 * depth), 1)  # base depth
        self.stem = Focus(3, c, ksize=3, act=act)  # stride 2
        self.dark2 = self._stage(c, 2 * c, n, depthwise, act)  # stride 4
        self.dark3 = self._stage(2 * c, 4 * c, 3 * n, depthwise, act)  # stride 8
        self.dark4 = self._stage(4 * c, 8 * c, 3 * n, depthwise, act)  # stride 16
        self.dark5 = nn.Sequential(  # stride 32
            conv_block(8 * c, 16 * c, 3, 2, act, depthwise),
            SPPBottleneck(16 * c, 16 * c, act=act),
            CSPLayer(16 * c, 16 * c, n, shortcut=False, depthwise=depthwise, act=act),
        )
        self.out_channels = (4 * c, 8 * c, 16 * c)

    @staticmethod
    def _stage(c_in: int, c_out: int, n: int, depthwise: bool, act: str) -> nn.Sequential:
        """A stride-2 conv then a CSP layer of ``n`` bottlenecks."""
        return nn.Sequential(conv_block(c_in, c_out, 3, 2, act, depthwise),
                             CSPLayer(c_out, c_out, n, depthwise=depthwise, act=act))

    def forward(self, x: Tensor) -> tuple[Tensor, Tensor, Tensor]:
        x = self.dark2(self.stem(x))
        c3 = self.dark3(x)  # (B, 256w, H/8, W/8)
        c4 = self.dark4(c3)  # (B, 512w, H/16, W/16)
        c5 = self.dark5(c4)  # (B, 1024w, H/32, W/32)
        return c3, c4, c5


class Darknet53(nn.Module):
    """Darknet53: residual blocks [1 in the stem, 2, 8, 8, 4], LeakyReLU, with the YOLOv3 SPP block at
    the end of dark5. Outputs 256 / 512 / 512 channels at strides 8 / 16 / 32."""

    blocks = (2, 8, 8, 4)

    def __init__(self, stem_channels: int = 32):
        super().__init__()
        c = stem_channels
        self.stem = nn.Sequential(BaseConv(3, c, 3, act="lrelu"), *self._stage(c, 1))  # → 2c, stride 2
        self.dark2 = nn.Sequential(*self._stage(2 * c, self.blocks[0]))  # → 4c, stride 4
        self.dark3 = nn.Sequential(*self._stage(4 * c, self.blocks[1]))  # → 8c, stride 8
        self.dark4 = nn.Sequential(*self._stage(8 * c, self.blocks[2]))  # → 16c, stride 16
        self.dark5 = nn.Sequential(*self._stage(16 * c, self.blocks[3]), *self._spp(32 * c, 16 * c))  # → 16c
        self.out_channels = (8 * c, 16 * c, 16 * c)

    @staticmethod
    def _stage(c_in: int, n: int) -> list[nn.Module]:
        """A stride-2 3×3 conv doubling the channels, then ``n`` residual blocks."""
        return [BaseConv(c_in, 2 * c_in, 3, 2, act="lrelu"), *(ResLayer(2 * c_in) for _ in range(n))]

    @staticmethod
    def _spp(c_in: int, c_mid: int) -> list[nn.Module]:
        """YOLOv3-SPP: 1×1, 3×3, SPP, 3×3, 1×1 (channels c_in → c_mid)."""
        return [
            BaseConv(c_in, c_mid, 1, act="lrelu"),
            BaseConv(c_mid, c_in, 3, act="lrelu"),
            SPPBottleneck(c_in, c_mid, act="lrelu"),
            BaseConv(c_mid, c_in, 3, act="lrelu"),
            BaseConv(c_in, c_mid, 1, act="lrelu"),
        ]

    def forward(self, x: Tensor) -> tuple[Tensor, Tensor, Tensor]:
        x = self.dark2(self.stem(x))
        c3 = self.dark3(x)  # (B, 256, H/8, W/8)
        c4 = self.dark4(c3)  # (B, 512, H/16, W/16)
        c5 = self.dark5(c4)  # (B, 512, H/32, W/32)
        return c3, c4, c5
