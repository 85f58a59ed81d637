"""Solution: YOLOv3's anchor decoding, and its inverse (see exercises/anchor_decode.py)."""

from __future__ import annotations

import torch
from torch import Tensor

MAX_LOG_WH = 10.0  # tw, th cap before exp (as yolox_edu.decode)


def decode_anchor_boxes(reg: Tensor, cells: Tensor, strides: Tensor, anchor_wh: Tensor) -> Tensor:
    s = strides.to(reg.dtype)[:, None]  # (N, 1)
    xy = (reg[..., :2].sigmoid() + cells.to(reg.dtype)) * s  # (..., N, 2)
    wh = reg[..., 2:].clamp(max=MAX_LOG_WH).exp() * anchor_wh.to(reg.dtype)  # (..., N, 2)
    return torch.cat((xy, wh), dim=-1)  # (..., N, 4)


def encode_anchor_boxes(boxes: Tensor, cells: Tensor, strides: Tensor, anchor_wh: Tensor) -> Tensor:
    offset = boxes[..., :2] / strides.to(boxes.dtype)[:, None] - cells.to(boxes.dtype)  # (..., N, 2) in (0, 1)
    txy = torch.logit(offset)  # (..., N, 2) the sigmoid's inverse
    twh = torch.log(boxes[..., 2:] / anchor_wh.to(boxes.dtype))  # (..., N, 2)
    return torch.cat((txy, twh), dim=-1)  # (..., N, 4)
