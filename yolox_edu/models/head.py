"""The heads: YOLOX's decoupled head, and YOLOv3's coupled head the paper starts from.

* Decoupled (YOLOX): per level a 1×1 stem, then a classification branch and a regression branch
  (two 3×3 convs each). Submodules are registered in the official order (stems last) so that
  state-dict keys and their order match official checkpoints.
* Coupled (YOLOv3): per level one 3×3 conv (C → 2C) and one 1×1 conv that predicts everything.

``forward`` only returns raw per-level maps (B, K·(5 + C), h, w): K groups (one per anchor; K = 1
anchor-free) of ``(tx, ty, tw, th, objectness logit, C class logits)``. Decoding is in
``yolox_edu.decode``, the loss in ``yolox_edu.loss``."""

from __future__ import annotations

import math

import torch
from torch import Tensor, nn

from yolox_edu.models.blocks import BaseConv, conv_block

__all__ = ["YOLOXHead", "CoupledHead"]


class YOLOXHead(nn.Module):
    """``in_channels`` are the neck's actual output channels; the hidden width is int(256 · width).

    ``num_anchors`` K > 1 gives the "decoupled head + anchors" rung: each 1×1 predictor has K times
    its outputs, regrouped per anchor in ``forward``."""

    def __init__(self, num_classes: int, width: float, in_channels: tuple[int, ...], act: str = "silu",
                 depthwise: bool = False, prior_prob: float = 0.01, num_anchors: int = 1):
        super().__init__()
        self.num_classes, self.num_anchors = num_classes, num_anchors
        k = num_anchors
        hidden = int(256 * width)

        def branch() -> nn.Sequential:
            return nn.Sequential(conv_block(hidden, hidden, 3, 1, act, depthwise),
                                 conv_block(hidden, hidden, 3, 1, act, depthwise))

        levels = range(len(in_channels))
        self.cls_convs = nn.ModuleList(branch() for _ in levels)
        self.reg_convs = nn.ModuleList(branch() for _ in levels)
        self.cls_preds = nn.ModuleList(nn.Conv2d(hidden, k * num_classes, 1) for _ in levels)
        self.reg_preds = nn.ModuleList(nn.Conv2d(hidden, k * 4, 1) for _ in levels)
        self.obj_preds = nn.ModuleList(nn.Conv2d(hidden, k, 1) for _ in levels)
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
            parts = (
                self.reg_preds[k](reg_feat),  # (B, K·4, h, w)
                self.obj_preds[k](reg_feat),  # (B, K, h, w)
                self.cls_preds[k](self.cls_convs[k](x)),  # (B, K·C, h, w)
            )
            outputs.append(torch.cat(parts, dim=1) if self.num_anchors == 1 else self._per_anchor(parts))
        return outputs  # L × (B, K·(5 + C), h, w)

    def _per_anchor(self, parts: tuple[Tensor, ...]) -> Tensor:
        """Regroup (B, K·4 | K | K·C, h, w) into K consecutive (4 + 1 + C) channel groups."""
        b, _, h, w = parts[0].shape
        grouped = [p.reshape(b, self.num_anchors, -1, h, w) for p in parts]  # (B, K, 4 | 1 | C, h, w)
        return torch.cat(grouped, dim=2).reshape(b, -1, h, w)  # (B, K·(5 + C), h, w)


class CoupledHead(nn.Module):
    """YOLOv3's head: per level a 3×3 conv (C → 2C, BN, activation), then one 1×1 conv to K·(5 + C)
    outputs: box, objectness and classes share every feature (the paper's rung 1)."""

    def __init__(self, num_classes: int, in_channels: tuple[int, ...], act: str = "silu", depthwise: bool = False,
                 prior_prob: float = 0.01, num_anchors: int = 3):
        super().__init__()
        self.num_classes, self.num_anchors = num_classes, num_anchors
        self.convs = nn.ModuleList(conv_block(c, 2 * c, 3, 1, act, depthwise) for c in in_channels)
        self.preds = nn.ModuleList(nn.Conv2d(2 * c, num_anchors * (5 + num_classes), 1) for c in in_channels)
        self.initialize_biases(prior_prob)

    @torch.no_grad()
    def initialize_biases(self, prior_prob: float = 0.01) -> None:
        """Objectness and class biases of every anchor start at −log((1 − p) / p), as in ``YOLOXHead``."""
        for conv in self.preds:
            bias = conv.bias.view(self.num_anchors, 5 + self.num_classes)  # (K, 5 + C)
            bias[:, 4:].fill_(-math.log((1 - prior_prob) / prior_prob))

    def forward(self, feats: tuple[Tensor, ...]) -> list[Tensor]:
        return [pred(conv(x)) for x, conv, pred in zip(feats, self.convs, self.preds)]  # L × (B, K·(5 + C), h, w)
