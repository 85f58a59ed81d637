"""The decoupled head: per level a 1×1 stem, then a classification branch and a regression branch.

``forward`` only returns raw per-level maps (B, 5 + C, h, w) with channels
``(tx, ty, tw, th, objectness logit, C class logits)``; decoding is in ``yolox_edu.decode`` and the
loss in ``yolox_edu.loss``. Submodules are registered in the official order (stems last) so that
state-dict keys and their order match official checkpoints."""

from __future__ import annotations

import math

import torch
from torch import Tensor, nn

from yolox_edu.models.blocks import BaseConv, conv_block

__all__ = ["YOLOXHead"]


class YOLOXHead(nn.Module):
    """``in_channels`` are the neck's actual output channels; the hidden width is int(256 · width)."""

    def __init__(self, num_classes: int, width: float, in_channels: tuple[int, ...], act: str = "silu",
                 depthwise: bool = False, prior_prob: float = 0.01):
        super().__init__()
        self.num_classes = num_classes
        hidden = int(256 * width)

        def branch() -> nn.Sequential:
            return nn.Sequential(conv_block(hidden, hidden, 3, 1, act, depthwise),
                                 conv_block(hidden, hidden, 3, 1, act, depthwise))

        levels = range(len(in_channels))
        self.cls_convs = nn.ModuleList(branch() for _ in levels)
        self.reg_convs = nn.ModuleList(branch() for _ in levels)
        self.cls_preds = nn.ModuleList(nn.Conv2d(hidden, num_classes, 1) for _ in levels)
        self.reg_preds = nn.ModuleList(nn.Conv2d(hidden, 4, 1) for _ in levels)
        self.obj_preds = nn.ModuleList(nn.Conv2d(hidden, 1, 1) for _ in levels)
        self.stems = nn.ModuleList(BaseConv(c, hidden, 1, act=act) for c in in_channels)
        self.initialize_biases(prior_prob)

    @torch.no_grad()
    def initialize_biases(self, prior_prob: float = 0.01) -> None:
        """Class and objectness biases start at −log((1 − p) / p): every score begins near ``p``."""
        for conv in (*self.cls_preds, *self.obj_preds):
            conv.bias.fill_(-math.log((1 - prior_prob) / prior_prob))

    def forward(self, feats: tuple[Tensor, ...]) -> list[Tensor]:
        outputs = []
        for k, x in enumerate(feats):
            x = self.stems[k](x)  # (B, 256w, h, w)
            reg_feat = self.reg_convs[k](x)
            outputs.append(torch.cat((
                self.reg_preds[k](reg_feat),  # (B, 4, h, w)
                self.obj_preds[k](reg_feat),  # (B, 1, h, w)
                self.cls_preds[k](self.cls_convs[k](x)),  # (B, C, h, w)
            ), dim=1))  # (B, 5 + C, h, w)
        return outputs
