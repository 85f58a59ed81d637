"""Solution: the darknet anchor match (see exercises/anchor_match.py)."""

from __future__ import annotations

import torch
from torch import Tensor


def darknet_match(gt_boxes: Tensor, level_anchors: Tensor, strides: tuple[int, ...],
                  level_shapes: tuple[tuple[int, int], ...]) -> tuple[Tensor, Tensor, Tensor, Tensor, Tensor]:
    k = level_anchors.shape[1]
    wh, anchors = gt_boxes[:, 2:].float(), level_anchors.reshape(-1, 2).float()  # (G, 2), (L·K, 2)
    inter = torch.minimum(wh[:, None], anchors[None]).prod(dim=-1)  # (G, L·K) both centred on one point
    iou = inter / (wh.prod(dim=-1)[:, None] + anchors.prod(dim=-1)[None] - inter)  # (G, L·K)
    best = iou.argmax(dim=1) if len(gt_boxes) else torch.zeros(0, dtype=torch.long)  # (G,)
    level, anchor = best // k, best % k  # (G,) each
    stride = torch.tensor(strides, dtype=gt_boxes.dtype)[level]  # (G,)
    h = torch.tensor([s[0] for s in level_shapes])[level]  # (G,)
    w = torch.tensor([s[1] for s in level_shapes])[level]  # (G,)
    col = torch.minimum((gt_boxes[:, 0] / stride).floor().long().clamp(min=0), w - 1)  # (G,)
    row = torch.minimum((gt_boxes[:, 1] / stride).floor().long().clamp(min=0), h - 1)  # (G,)
    sizes = torch.tensor([k * hh * ww for hh, ww in level_shapes])  # (L,)
    offsets = sizes.cumsum(0) - sizes  # (L,)
    return level, anchor, row, col, offsets[level] + anchor * h * w + row * w + col
