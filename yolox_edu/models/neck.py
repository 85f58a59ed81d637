"""Necks. Each owns its backbone as ``self.backbone`` (the official module tree, so checkpoint keys
read ``backbone.backbone.…``) and returns three maps at strides 8 / 16 / 32."""

from __future__ import annotations

import torch
from torch import Tensor, nn

from yolox_edu.models.backbone import CSPDarknet, Darknet53
from yolox_edu.models.blocks import BaseConv, CSPLayer, conv_block

__all__ = ["PAFPN", "YOLOv3FPN"]


class PAFPN(nn.Module):
    """CSPDarknet + path aggregation: top-down twice (lateral 1×1, upsample, concat, CSP), then
    bottom-up twice (3×3 stride-2 conv, concat, CSP). Channels out: 256w, 512w, 1024w."""

    def __init__(self, depth: float, width: float, depthwise: bool = False, act: str = "silu"):
        super().__init__()
        self.backbone = CSPDarknet(depth, width, depthwise, act)
        c3, c4, c5 = self.backbone.out_channels  # 256w, 512w, 1024w
        n = round(3 * depth)
        self.upsample = nn.Upsample(scale_factor=2, mode="nearest")
        self.lateral_conv0 = BaseConv(c5, c4, 1, act=act)
        self.C3_p4 = CSPLayer(2 * c4, c4, n, shortcut=False, depthwise=depthwise, act=act)
        self.reduce_conv1 = BaseConv(c4, c3, 1, act=act)
        self.C3_p3 = CSPLayer(2 * c3, c3, n, shortcut=False, depthwise=depthwise, act=act)
        self.bu_conv2 = conv_block(c3, c3, 3, 2, act, depthwise)
        self.C3_n3 = CSPLayer(2 * c3, c4, n, shortcut=False, depthwise=depthwise, act=act)
        self.bu_conv1 = conv_block(c4, c4, 3, 2, act, depthwise)
        self.C3_n4 = CSPLayer(2 * c4, c5, n, shortcut=False, depthwise=depthwise, act=act)
        self.out_channels = (c3, c4, c5)

    def forward(self, x: Tensor) -> tuple[Tensor, Tensor, Tensor]:
        c3, c4, c5 = self.backbone(x)
        # top-down
        lat5 = self.lateral_conv0(c5)  # (B, 512w, H/32, W/32)
        td4 = self.C3_p4(torch.cat((self.upsample(lat5), c4), 1))  # (B, 512w, H/16, W/16)
        lat4 = self.reduce_conv1(td4)  # (B, 256w, H/16, W/16)
        p3 = self.C3_p3(torch.cat((self.upsample(lat4), c3), 1))  # (B, 256w, H/8, W/8)
        # bottom-up
        p4 = self.C3_n3(torch.cat((self.bu_conv2(p3), lat4), 1))  # (B, 512w, H/16, W/16)
        p5 = self.C3_n4(torch.cat((self.bu_conv1(p4), lat5), 1))  # (B, 1024w, H/32, W/32)
        return p3, p4, p5


class YOLOv3FPN(nn.Module):
    """Darknet53 + the YOLOv3 top-down neck (LeakyReLU). Channels out: 128, 256, 512."""

    def __init__(self):
        super().__init__()
        self.backbone = Darknet53()
        c3, c4, c5 = self.backbone.out_channels  # 256, 512, 512
        self.out1_cbl = BaseConv(c5, c4 // 2, 1, act="lrelu")
        self.out1 = self._embedding(c4 // 2 + c4, c4 // 2, c4)
        self.out2_cbl = BaseConv(c4 // 2, c3 // 2, 1, act="lrelu")
        self.out2 = self._embedding(c3 // 2 + c3, c3 // 2, c3)
        self.upsample = nn.Upsample(scale_factor=2, mode="nearest")
        self.out_channels = (c3 // 2, c4 // 2, c5)

    @staticmethod
    def _embedding(c_in: int, c_mid: int, c_wide: int) -> nn.Sequential:
        """Five convs alternating 1×1 (→ c_mid) and 3×3 (→ c_wide), ending at c_mid."""
        chans = [c_in, c_mid, c_wide, c_mid, c_wide, c_mid]
        return nn.Sequential(*(BaseConv(chans[k], chans[k + 1], 1 if k % 2 == 0 else 3, act="lrelu")
                               for k in range(5)))

    def forward(self, x: Tensor) -> tuple[Tensor, Tensor, Tensor]:
        c3, c4, c5 = self.backbone(x)
        p4 = self.out1(torch.cat((self.upsample(self.out1_cbl(c5)), c4), 1))  # (B, 256, H/16, W/16)
        p3 = self.out2(torch.cat((self.upsample(self.out2_cbl(p4)), c3), 1))  # (B, 128, H/8, W/8)
        return p3, p4, c5
