"""Anchor boxes: YOLOv3's nine COCO priors, the anchor grid, and k-means with the 1 − IoU distance.

YOLOX is anchor-free: one prediction per grid cell. The paper's baseline, YOLOv3, predicts three per
cell, each relative to a prior box ("anchor") of fixed shape: the small ones on stride 8, the large
ones on stride 32. Those priors were found by clustering COCO's boxes, so they fit COCO; on another
dataset they must be clustered again (``kmeans_anchors``) — the paper's point that "anchors are
domain-specific".

Shapes: L levels, K anchors per level (3), N = Σ_l K·h_l·w_l predictions, M boxes. Anchor sizes are
(w, h) in input pixels. Predictions are stacked level after level, then anchor after anchor, then row
after row (the order ``decode.flatten_anchor_levels`` gives).
"""

from __future__ import annotations

import json
from collections.abc import Sequence
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import torch
from torch import Tensor

from yolox_edu.errors import UsageError
from yolox_edu.grid import DEFAULT_STRIDES, make_grid

__all__ = ["YOLOV3_ANCHORS", "ANCHORS_PER_LEVEL", "AnchorGrid", "parse_anchors", "make_anchor_grid",
           "anchors_enabled", "format_anchors", "shape_iou", "kmeans_anchors", "mean_best_iou", "letterboxed_box_sizes"]

# YOLOv3's COCO anchors (w, h) in pixels at 416², used unchanged at other sizes as YOLOv3 does:
# stride 8 | stride 16 | stride 32
YOLOV3_ANCHORS: tuple[tuple[float, float], ...] = (
    (10, 13), (16, 30), (33, 23),
    (30, 61), (62, 45), (59, 119),
    (116, 90), (156, 198), (373, 326),
)
ANCHORS_PER_LEVEL = 3
KMEANS_ITERS = 300


@dataclass(frozen=True)
class AnchorGrid:
    """Every prediction of an anchor-based head: its cell, its level's stride, and its anchor's size.

    Attributes:
        cells: (N, 2) float, cell index (i, j) = (column, row) of each prediction.
        strides: (N,) float, the stride of each prediction's level.
        anchor_wh: (N, 2) float, the (w, h) in pixels of each prediction's anchor.
        level_shapes: ((h, w), ...) grid size of each level.
        level_anchors: (L, K, 2) the anchors of each level.
    """

    cells: Tensor
    strides: Tensor
    anchor_wh: Tensor
    level_shapes: tuple[tuple[int, int], ...]
    level_anchors: Tensor

    @property
    def num_points(self) -> int:
        return self.cells.shape[0]

    @property
    def centers(self) -> Tensor:
        """(N, 2) pixel center of each prediction's cell."""
        return (self.cells + 0.5) * self.strides[:, None]


def anchors_enabled(spec: Any) -> bool:
    """False for ``None`` / ``"none"`` (anchor-free YOLOX), True for anything naming anchors."""
    return not (spec is None or (isinstance(spec, str) and spec.strip().lower() in ("", "none")))


def parse_anchors(spec: Any, num_levels: int = 3) -> Tensor:
    """Anchors as an (L, K, 2) tensor of (w, h) pixels, smallest level first.

    ``spec`` is ``"yolov3"`` (the COCO anchors), a sequence of L·K (w, h) pairs, or the text that
    ``yolox-edu anchors`` prints: ``"10,13 16,30 33,23 30,61 ..."`` (pairs separated by spaces or ``;``).
    """
    if isinstance(spec, str):
        text = spec.strip().lower()
        if text == "yolov3":
            pairs: Any = YOLOV3_ANCHORS
        else:
            try:
                pairs = [tuple(float(v) for v in p.split(",")) for p in text.replace(";", " ").split()]
            except ValueError:
                raise UsageError(f"anchors={spec!r}: expected 'yolov3' or pairs 'w,h w,h ...' in pixels") from None
    else:
        pairs = spec
    t = torch.as_tensor([list(map(float, p)) for p in pairs] if isinstance(pairs, Sequence) else pairs,
                        dtype=torch.float32, device="cpu")  # (L·K, 2)
    if t.ndim != 2 or t.shape[1] != 2 or t.shape[0] % num_levels or t.shape[0] == 0:
        raise UsageError(f"anchors must be (w, h) pairs, a multiple of {num_levels} (one group per level), "
                         f"e.g. 9 for 3 levels; got shape {tuple(t.shape)} from {spec!r}")
    if not (t > 0).all():
        raise UsageError(f"anchor sizes must be positive pixels, got {t.tolist()}")
    return t.reshape(num_levels, -1, 2)  # (L, K, 2)


def format_anchors(anchors: Tensor) -> str:
    """(…, 2) anchors → ``"10,13 16,30 ..."``, the form ``parse_anchors`` (and ``model.anchors=``) accepts."""
    return " ".join(f"{w:.0f},{h:.0f}" for w, h in anchors.reshape(-1, 2).tolist())


def make_anchor_grid(
    anchors: Tensor,
    input_size: tuple[int, int] | None = None,
    strides: tuple[int, ...] = DEFAULT_STRIDES,
    *,
    level_shapes: list[tuple[int, int]] | None = None,
    device: torch.device | str | None = None,
    dtype: torch.dtype = torch.float32,
) -> AnchorGrid:
    """The predictions of an anchor head for an input (H, W) or explicit level shapes.

    Order: level, then anchor k, then row j, then column i (index ``offset_l + k·h·w + j·w + i``).
    """
    points = make_grid(input_size, strides, level_shapes=level_shapes, device=device, dtype=dtype)
    anchors = anchors.to(device=device, dtype=dtype)  # (L, K, 2)
    if anchors.shape[0] != len(strides):
        raise UsageError(f"{anchors.shape[0]} anchor groups for {len(strides)} levels")
    cells, point_strides, wh, start = [], [], [], 0
    for level, (h, w) in enumerate(points.level_shapes):
        n, k = h * w, anchors.shape[1]
        cells.append(points.cells[start:start + n].repeat(k, 1))  # (K·h·w, 2)
        point_strides.append(points.strides[start:start + n].repeat(k))  # (K·h·w,)
        wh.append(anchors[level].repeat_interleave(n, dim=0))  # (K·h·w, 2)
        start += n
    return AnchorGrid(cells=torch.cat(cells), strides=torch.cat(point_strides), anchor_wh=torch.cat(wh),
                      level_shapes=points.level_shapes, level_anchors=anchors)


def shape_iou(wh_a: Tensor, wh_b: Tensor) -> Tensor:
    """IoU of boxes placed on the same center, from their sizes only. Shapes: (M, 2), (K, 2) → (M, K)."""
    inter = torch.minimum(wh_a[:, None], wh_b[None]).prod(dim=-1)  # (M, K)
    union = wh_a.prod(dim=-1)[:, None] + wh_b.prod(dim=-1)[None] - inter  # (M, K)
    return inter / union.clamp(min=1e-12)


def mean_best_iou(wh: Tensor, anchors: Tensor) -> float:
    """Mean over boxes of the IoU with their best-fitting anchor: how well the anchors cover the data.

    Shapes: wh (M, 2) box sizes, anchors (…, 2) pixels, both at the same input size."""
    return float(shape_iou(wh.float(), anchors.reshape(-1, 2).float()).amax(dim=1).mean())


@torch.no_grad()
def kmeans_anchors(wh: Tensor, k: int = 9, *, iters: int = KMEANS_ITERS, seed: int = 0) -> Tensor:
    """k-means of box sizes with the distance 1 − IoU (YOLOv2's choice: a plain Euclidean k-means lets
    large boxes dominate). Centroids start at k boxes drawn with ``seed``; each step moves a centroid to
    the median size of its members (robust to a few huge boxes). Deterministic for a given seed.

    Shapes: wh (M, 2) sizes in pixels → (k, 2), sorted by area (smallest first, i.e. stride 8 first)."""
    wh = wh.float()
    if wh.ndim != 2 or wh.shape[1] != 2 or wh.shape[0] < k:
        raise UsageError(f"kmeans_anchors needs at least k={k} (w, h) sizes, got shape {tuple(wh.shape)}")
    gen = torch.Generator().manual_seed(seed)
    centroids = wh[torch.randperm(wh.shape[0], generator=gen)[:k]].clone()  # (k, 2)
    assign = torch.full((wh.shape[0],), -1, dtype=torch.long)  # (M,)
    for _ in range(iters):
        new = shape_iou(wh, centroids).argmax(dim=1)  # (M,) nearest = highest IoU
        if torch.equal(new, assign):
            break
        assign = new
        for c in range(k):
            members = wh[assign == c]  # (m, 2)
            if len(members):
                centroids[c] = members.median(dim=0).values
    return centroids[centroids.prod(dim=1).argsort()]  # (k, 2)


def letterboxed_box_sizes(ann_file: str | Path, input_size: int = 640) -> Tensor:
    """(w, h) of every box of a COCO annotation file after letterboxing its image to ``input_size``².

    Letterboxing scales an image by min(S / H, S / W) (no stretching), so a box's size in network
    pixels is its size times that ratio: what the anchors are compared with. Shapes: → (M, 2)."""
    data = json.loads(Path(ann_file).read_text())
    ratio = {img["id"]: min(input_size / img["height"], input_size / img["width"]) for img in data["images"]}
    sizes = [[a["bbox"][2] * ratio[a["image_id"]], a["bbox"][3] * ratio[a["image_id"]]]
             for a in data["annotations"] if not a.get("iscrowd", 0) and a["bbox"][2] > 0 and a["bbox"][3] > 0]
    if not sizes:
        raise UsageError(f"{ann_file} has no boxes to cluster")
    return torch.tensor(sizes, dtype=torch.float32)  # (M, 2)
