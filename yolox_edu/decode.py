"""From raw head maps to boxes and detections.

The head gives, per level, a (B, 5 + C, h, w) map whose channels are
``(tx, ty, tw, th, objectness logit, C class logits)``. For the point in column i, row j of a level
with stride s: ``cx = (tx + i)·s``, ``cy = (ty + j)·s``, ``w = exp(tw)·s``, ``h = exp(th)·s``.
Scores are ``sigmoid(obj) · sigmoid(cls)``.
"""

from __future__ import annotations

from dataclasses import dataclass

import torch
from torch import Tensor
from torchvision.ops import batched_nms

from yolox_edu.anchors import AnchorGrid, make_anchor_grid
from yolox_edu.boxes import cxcywh_to_xyxy
from yolox_edu.grid import DEFAULT_STRIDES, Grid, make_grid

__all__ = ["flatten_levels", "grid_for", "decode_boxes", "decode_outputs", "Detections", "postprocess", "MAX_LOG_WH",
           "flatten_anchor_levels", "anchor_grid_for", "decode_anchor_boxes", "decode_anchor_outputs"]

# Upper bound on (tw, th) before exp: exp(10)·stride is 22026 strides, far beyond any real box, and keeps
# the decoded size finite. Without it an untrained or diverging head (seen after one fp16 epoch on a GPU)
# gives w = inf, then cx − w/2 = −inf, and evaluation fails on non-finite boxes.
MAX_LOG_WH = 10.0


def flatten_levels(maps: list[Tensor]) -> Tensor:
    """Per-level (B, K, h, w) maps → one (B, A, K) tensor, levels stacked in order (see ``grid``)."""
    return torch.cat([m.flatten(2) for m in maps], dim=2).permute(0, 2, 1)  # (B, A, K)


def grid_for(maps: list[Tensor], strides: tuple[int, ...] = DEFAULT_STRIDES) -> Grid:
    """The anchor-point grid matching a list of per-level maps (same device and dtype)."""
    shapes = [tuple(m.shape[-2:]) for m in maps]
    return make_grid(strides=strides, level_shapes=shapes, device=maps[0].device, dtype=maps[0].dtype)


def decode_boxes(reg: Tensor, grid: Grid) -> Tensor:
    """Raw regression (B, A, 4) = (tx, ty, tw, th) → (B, A, 4) cxcywh boxes in input pixels.

    ``tw, th`` are clamped at ``MAX_LOG_WH`` before exp (identical for every real box)."""
    strides = grid.strides[:, None]  # (A, 1)
    xy = (reg[..., :2] + grid.cells) * strides  # (B, A, 2)
    wh = reg[..., 2:4].clamp(max=MAX_LOG_WH).exp() * strides  # (B, A, 2)
    return torch.cat((xy, wh), dim=-1)  # (B, A, 4)


def decode_outputs(maps: list[Tensor], strides: tuple[int, ...] = DEFAULT_STRIDES) -> Tensor:
    """Raw per-level maps → (B, A, 5 + C) rows (cx, cy, w, h, objectness, class scores) as probabilities."""
    raw = flatten_levels(maps)  # (B, A, 5 + C)
    boxes = decode_boxes(raw[..., :4], grid_for(maps, strides))  # (B, A, 4)
    return torch.cat((boxes, raw[..., 4:].sigmoid()), dim=-1)  # (B, A, 5 + C)


def flatten_anchor_levels(maps: list[Tensor], num_anchors: int) -> Tensor:
    """Per-level (B, K·(5 + C), h, w) maps of an anchor head → (B, N, 5 + C), N = Σ K·h·w.

    Channels hold K groups of (tx, ty, tw, th, obj, classes); rows come level, anchor, row, column
    (the order of ``anchors.make_anchor_grid``). With K = 1 this is ``flatten_levels``."""
    rows = []
    for m in maps:
        b, _, h, w = m.shape
        rows.append(m.reshape(b, num_anchors, -1, h * w).permute(0, 1, 3, 2).reshape(b, num_anchors * h * w, -1))
    return torch.cat(rows, dim=1)  # (B, N, 5 + C)


def anchor_grid_for(maps: list[Tensor], anchors: Tensor, strides: tuple[int, ...] = DEFAULT_STRIDES) -> AnchorGrid:
    """The anchor grid matching a list of per-level maps; ``anchors`` (L, K, 2) pixels."""
    shapes = [tuple(m.shape[-2:]) for m in maps]
    return make_anchor_grid(anchors, strides=strides, level_shapes=shapes, device=maps[0].device, dtype=maps[0].dtype)


def decode_anchor_boxes(reg: Tensor, grid: AnchorGrid) -> Tensor:
    """YOLOv3 decoding: raw (B, N, 4) = (tx, ty, tw, th) → (B, N, 4) cxcywh boxes in input pixels.

    ``cx = (σ(tx) + i)·s``, ``cy = (σ(ty) + j)·s`` (the center stays inside its cell),
    ``w = a_w·exp(tw)``, ``h = a_h·exp(th)`` (a scaling of the anchor; tw, th clamped at ``MAX_LOG_WH``)."""
    xy = (reg[..., :2].sigmoid() + grid.cells) * grid.strides[:, None]  # (B, N, 2)
    wh = reg[..., 2:4].clamp(max=MAX_LOG_WH).exp() * grid.anchor_wh  # (B, N, 2)
    return torch.cat((xy, wh), dim=-1)  # (B, N, 4)


def decode_anchor_outputs(maps: list[Tensor], anchors: Tensor, strides: tuple[int, ...] = DEFAULT_STRIDES) -> Tensor:
    """Raw anchor-head maps (B, K·(5 + C), h, w) → (B, N, 5 + C) rows (cx, cy, w, h, objectness, class
    scores), the format of ``decode_outputs``: three rows per cell instead of one."""
    raw = flatten_anchor_levels(maps, anchors.shape[1])  # (B, N, 5 + C)
    boxes = decode_anchor_boxes(raw[..., :4], anchor_grid_for(maps, anchors, strides))  # (B, N, 4)
    return torch.cat((boxes, raw[..., 4:].sigmoid()), dim=-1)  # (B, N, 5 + C)


@dataclass
class Detections:
    """Detections of one image: ``boxes`` (N, 4) xyxy pixels, ``scores`` (N,), ``labels`` (N,) int64."""

    boxes: Tensor
    scores: Tensor
    labels: Tensor

    def __len__(self) -> int:
        return self.scores.shape[0]

    def to(self, device: torch.device | str) -> Detections:
        return Detections(self.boxes.to(device), self.scores.to(device), self.labels.to(device))


@torch.no_grad()
def postprocess(
    preds: Tensor,
    conf_thresh: float = 0.25,
    nms_thresh: float = 0.45,
    class_agnostic: bool = False,
    max_detections: int | None = None,
) -> list[Detections]:
    """Score filter then NMS, per image.

    Each point keeps its best class (as the official code does); score = objectness × class prob.

    Args:
        preds: (B, A, 5 + C) decoded rows from ``decode_outputs`` / eval-mode ``model(images)``.
        conf_thresh: keep points with score >= conf_thresh (as the official code).
        nms_thresh: IoU above which a lower-scoring box of the same class is removed.
        class_agnostic: NMS across classes instead of per class.
        max_detections: keep at most this many (highest score) per image.
    """
    if preds.ndim != 3 or preds.shape[-1] < 6:
        raise ValueError(f"preds must be (B, A, 5 + C) with C >= 1, got shape {tuple(preds.shape)}")
    results = []
    for p in preds:  # (A, 5 + C)
        cls_prob, labels = p[:, 5:].max(dim=1)  # (A,), (A,)
        scores = p[:, 4] * cls_prob  # (A,)
        keep = scores >= conf_thresh  # (A,) bool
        boxes, scores, labels = cxcywh_to_xyxy(p[keep, :4]).float(), scores[keep].float(), labels[keep]
        groups = torch.zeros_like(labels) if class_agnostic else labels
        kept = batched_nms(boxes, scores, groups, nms_thresh)  # (N,) sorted by score
        if max_detections is not None:
            kept = kept[:max_detections]
        results.append(Detections(boxes[kept], scores[kept], labels[kept]))
    return results
