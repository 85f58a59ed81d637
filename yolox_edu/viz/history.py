"""How detectors looked for objects before one-stage grids (notebook 00): sliding windows and a toy
region-proposal method, small enough to run on a photo in a fraction of a second.

- ``sliding_windows``: every window of several sizes and aspect ratios, slid with a step of a fraction of
  its size (the exhaustive search of Viola-Jones / DPM-era detectors).
- ``region_proposals``: bottom-up grouping in the spirit of Selective Search (R-CNN's proposals): pixels of
  similar colour that touch form regions, at several colour resolutions; each region's box is a proposal.

Shapes: N boxes (N, 4) xyxy in image pixels.
"""

from __future__ import annotations

import numpy as np
import torch
import torch.nn.functional as F
from torch import Tensor
from torchvision.ops import box_area, nms

__all__ = ["sliding_windows", "region_proposals", "connected_regions"]


def sliding_windows(image_hw: tuple[int, int], sizes: tuple[int, ...] = (32, 64, 128, 256),
                    aspect_ratios: tuple[float, ...] = (0.5, 1.0, 2.0), step: float = 0.25) -> Tensor:
    """All windows of area ``size²`` and each aspect ratio (h / w) that fit the image, slid by
    ``step × window side``. Returns (N, 4) xyxy float boxes."""
    h, w = image_hw
    windows = []
    for size in sizes:
        for ratio in aspect_ratios:
            wh = np.array([size / ratio ** 0.5, size * ratio ** 0.5])  # (w, h) with area size²
            if wh[0] > w or wh[1] > h:
                continue
            xs = np.arange(0, w - wh[0] + 1, max(1.0, step * wh[0]))
            ys = np.arange(0, h - wh[1] + 1, max(1.0, step * wh[1]))
            x, y = np.meshgrid(xs, ys)  # (ny, nx)
            corners = np.stack((x.ravel(), y.ravel()), axis=1)  # (n, 2)
            windows.append(np.concatenate((corners, corners + wh), axis=1))  # (n, 4)
    if not windows:
        return torch.zeros(0, 4)
    return torch.from_numpy(np.concatenate(windows)).float()  # (N, 4)


def connected_regions(codes: Tensor) -> Tensor:
    """Label 4-connected regions of equal code in an (h, w) int tensor → (h, w) int64 region ids.

    Label propagation: every pixel starts with its own id (its index + 1) and repeatedly takes the largest
    id among its same-code neighbours, then the id held by the pixel its id names (pointer jumping, which
    makes long regions converge fast), until nothing changes."""
    h, w = codes.shape
    ids = torch.arange(1, h * w + 1, dtype=torch.float32).reshape(1, 1, h, w)  # (1, 1, h, w)
    pad_codes = F.pad(codes[None, None].float(), (1, 1, 1, 1), value=-1.0)  # (1, 1, h+2, w+2)
    shifts = ((0, 1), (2, 1), (1, 0), (1, 2))  # up, down, left, right neighbours in the padded frame
    same = [pad_codes[..., r:r + h, c:c + w] == codes.float() for r, c in shifts]  # 4 × (1, 1, h, w) bool
    while True:
        padded = F.pad(ids, (1, 1, 1, 1), value=0.0)
        neighbours = [torch.where(s, padded[..., r:r + h, c:c + w], 0.0) for s, (r, c) in zip(same, shifts)]
        new = torch.stack([ids, *neighbours]).amax(dim=0)  # (1, 1, h, w)
        new = new.flatten()[new.long() - 1].reshape(new.shape)  # pointer jump: take the label's own label
        if torch.equal(new, ids):
            return ids[0, 0].long()
        ids = new


def region_proposals(image: np.ndarray | Tensor, levels: tuple[int, ...] = (2, 3, 4), work_size: int = 96,
                     min_area: float = 0.002, max_area: float = 0.9, dedupe_iou: float = 0.9) -> Tensor:
    """Toy Selective Search: box every connected region of similar colour, at several colour resolutions.

    The image (h, w, 3) uint8 (or (3, h, w) tensor) is shrunk to ``work_size`` on its long side and each
    channel quantised to ``level`` values; every 4-connected region whose box covers between ``min_area``
    and ``max_area`` of the image becomes a proposal. Near-duplicates (IoU > ``dedupe_iou``) are merged.
    Returns (N, 4) xyxy boxes in the original pixels, largest first.
    """
    x = image if isinstance(image, Tensor) else torch.from_numpy(np.array(image))  # copy: may be read-only
    if x.ndim != 3:
        raise ValueError(f"image must be (h, w, 3) or (3, h, w), got shape {tuple(x.shape)}")
    if x.shape[0] != 3:
        x = x.permute(2, 0, 1)
    h, w = x.shape[1:]
    scale = work_size / max(h, w)
    small = F.interpolate(x[None].float(), scale_factor=scale, mode="area")[0]  # (3, sh, sw)
    boxes = []
    for level in levels:
        q = (small / 256 * level).long().clamp(max=level - 1)  # (3, sh, sw)
        regions = connected_regions(q[0] * level * level + q[1] * level + q[2])  # (sh, sw)
        boxes.append(_region_boxes(regions))
    boxes = torch.cat(boxes) / scale  # (N, 4) original pixels
    boxes[:, 0::2] = boxes[:, 0::2].clamp(0, w)
    boxes[:, 1::2] = boxes[:, 1::2].clamp(0, h)
    frac = box_area(boxes) / (h * w)  # (N,)
    boxes = boxes[(frac >= min_area) & (frac <= max_area)]
    keep = nms(boxes, box_area(boxes), dedupe_iou)  # largest first
    return boxes[keep]


def _region_boxes(regions: Tensor) -> Tensor:
    """(h, w) region ids → (R, 4) xyxy box of each region (pixel edges, so a 1-pixel region is 1 wide)."""
    h, w = regions.shape
    ids = regions.flatten().unique(return_inverse=True)[1]  # (h·w,) 0..R-1
    ys, xs = torch.meshgrid(torch.arange(h), torch.arange(w), indexing="ij")
    n = int(ids.max()) + 1
    big = torch.iinfo(torch.int64).max
    x1 = torch.full((n,), big).scatter_reduce(0, ids, xs.flatten(), "amin")
    y1 = torch.full((n,), big).scatter_reduce(0, ids, ys.flatten(), "amin")
    x2 = torch.full((n,), -1).scatter_reduce(0, ids, xs.flatten(), "amax") + 1
    y2 = torch.full((n,), -1).scatter_reduce(0, ids, ys.flatten(), "amax") + 1
    return torch.stack((x1, y1, x2, y2), dim=1).float()  # (R, 4)
