"""The worker half of on-device augmentation: draw a sample's random parameters, compute its boxes, and
describe its pixels as a *plan* that :mod:`~yolox_edu.data.device_augment` executes for a whole batch.

A :class:`SamplePlan` holds the uint8 source pictures (only the windows of them that reach the output) and,
per layer, where each output pixel samples them. The random draws are those of
:meth:`MosaicDataset.__getitem__ <yolox_edu.data.dataset.MosaicDataset.__getitem__>`, in the same order from
the same seeded key, and the boxes come from the same numpy functions, so targets are identical to the
CPU path's; only the pixels are made elsewhere.

Layers of one sample (all in output pixel coordinates, pixel centres at integers as OpenCV):
  * main (tiles 0–3): Mosaic placement + random affine, or the plain letterbox (tile 0 only). Each tile is
    an affine map output → source window, a nearest-pixel "inside" test on the source crop and an output
    bounding box, exactly what ``mosaic_mixup._warp_tile`` does with OpenCV; the last tile that claims a
    pixel wins, unclaimed pixels are grey (114).
  * MixUp (tile 4): the jittered, maybe mirrored, randomly cropped second picture; grey inside its
    letterbox canvas, black beyond; blended ``floor((a + b) / 2)`` with the main layer.
  * then HSV (OpenCV's 8-bit round trip) on a rectangle, and a mirror of the output (Mosaic samples; a
    letterboxed sample is mirrored in its source map, as the CPU path mirrors before the letterbox).
"""

from __future__ import annotations

from typing import NamedTuple

import numpy as np
import torch
from torch import Tensor

from ..preprocess import letterbox_ratio
from .augment import affine_boxes, clip_boxes, hflip_boxes, random_affine_matrix
from .mosaic_mixup import _HALF, Tile, _mosaic_boxes, mosaic_center, mosaic_tile
from .transforms import keep_boxes, pad_labels

__all__ = ["TILE_FIELDS", "PARAM_FIELDS", "SamplePlan", "PlanBatch", "plan_sample", "collate_plans"]

# one row per tile: enabled, source slot, the (2, 3) map output → source window (row-major), the inclusive
# source range the nearest-pixel test accepts (x_lo, x_hi, y_lo, y_hi, window coordinates), the output
# bounding box [bx0, bx1) × [by0, by1)
TILE_FIELDS = ("on", "src", "m00", "m01", "m02", "m10", "m11", "m12", "x_lo", "x_hi", "y_lo", "y_hi",
               "bx0", "by0", "bx1", "by1")
# one row per sample: output size, mirror the output, MixUp on and its grey rectangle [0, w) × [0, h), HSV on
# and its shifts on OpenCV's scales, the HSV rectangle [x0, x1) × [y0, y1)
PARAM_FIELDS = ("H", "W", "flip", "mix", "grey_w", "grey_h", "hsv", "dh", "ds", "dv", "hx0", "hy0", "hx1", "hy1")
NUM_TILES = 5  # 4 main (Mosaic) + 1 MixUp
MIX_TILE = 4
FAR = 1e9  # an inside-test bound that never binds
HSV_GAINS = (5.0, 30.0, 30.0)  # hsv_jitter's defaults, which MosaicDataset uses
MIN_SIZE = 1.0  # train_transform's default box filter, which MosaicDataset uses


class SamplePlan(NamedTuple):
    """One sample for the device: source windows (k, (h_i, w_i, 3) uint8), tiles (5, 16), params (14,)."""

    sources: list[np.ndarray]
    tiles: np.ndarray
    params: np.ndarray


class PlanBatch(NamedTuple):
    """A batch of plans as tensors (pinnable, movable with ``.to``).

    Shapes: pixels (P, 3) uint8, every source window's pixels in row-major order; images (S, 3) int64
    (first pixel, h, w) per window; tiles (B, 5, 16) float64 with ``src`` a row of ``images``;
    params (B, 14) int64.
    """

    pixels: Tensor
    images: Tensor
    tiles: Tensor
    params: Tensor

    def to(self, device: torch.device | str, non_blocking: bool = False) -> PlanBatch:
        return PlanBatch(*(t.to(device, non_blocking=non_blocking) for t in self))

    def pin_memory(self) -> PlanBatch:
        return PlanBatch(*(t.pin_memory() for t in self))


def _tile_row(src: int, out_to_src: np.ndarray, inside: tuple[float, float, float, float],
              bbox: tuple[int, int, int, int]) -> np.ndarray:
    return np.array([1, src, *out_to_src[:2].ravel(), *inside, *bbox], np.float64)


def _window(out_to_src: np.ndarray, bbox: tuple[int, int, int, int], bounds: tuple[int, int, int, int]
            ) -> tuple[int, int, int, int]:
    """Source pixels (c0, r0, c1, r1) that the bilinear samples of the output pixels in ``bbox`` can touch:
    the hull of the mapped corners, one pixel of margin each side, within ``bounds`` (c0, r0, c1, r1)."""
    bx0, by0, bx1, by1 = bbox
    corners = np.array([[bx0, by0, 1], [bx1 - 1, by0, 1], [bx0, by1 - 1, 1], [bx1 - 1, by1 - 1, 1]], float)
    mapped = corners @ out_to_src[:2].T  # (4, 2) source x, y
    lo, hi = np.floor(mapped.min(0)) - 1, np.ceil(mapped.max(0)) + 2
    return (max(bounds[0], int(lo[0])), max(bounds[1], int(lo[1])),
            min(bounds[2], int(hi[0])), min(bounds[3], int(hi[1])))


def _shift(matrix: np.ndarray, dx: float, dy: float) -> np.ndarray:
    """The map followed by a translation of the source by (-dx, -dy) (into a window starting at dx, dy)."""
    out = matrix.copy()
    out[0, 2] -= dx
    out[1, 2] -= dy
    return out


def mosaic_tile_plan(image: np.ndarray, tile: Tile, out_from_canvas: np.ndarray, canvas_from_out: np.ndarray,
                     out_hw: tuple[int, int], slot: int) -> tuple[np.ndarray | None, np.ndarray]:
    """The tile's source window and row, with the geometry of ``mosaic_mixup._warp_tile`` (OpenCV branch)."""
    (x1, y1, x2, y2), (ox, oy) = tile.visible, tile.origin
    sx, sy = tile.size_wh[0] / image.shape[1], tile.size_wh[1] / image.shape[0]
    c0, r0 = int((x1 - ox) / sx), int((y1 - oy) / sy)
    c1, r1 = min(image.shape[1], -int(-(x2 - ox) / sx)), min(image.shape[0], -int(-(y2 - oy) / sy))
    corners = np.array([[x1, y1, 1], [x2, y1, 1], [x1, y2, 1], [x2, y2, 1]], float) @ out_from_canvas[:2].T
    bx0, by0 = (max(0, int(np.floor(v))) for v in corners.min(0))
    bx1, by1 = min(out_hw[1], int(np.ceil(corners[:, 0].max()))), min(out_hw[0], int(np.ceil(corners[:, 1].max())))
    if bx1 <= bx0 or by1 <= by0 or c1 <= c0 or r1 <= r0:
        return None, np.zeros(len(TILE_FIELDS))
    src_from_canvas = np.array([[1 / sx, 0, -ox / sx], [0, 1 / sy, -oy / sy], [0, 0, 1]])  # PIL convention
    out_to_src = np.linalg.inv(_HALF) @ src_from_canvas @ canvas_from_out @ _HALF  # OpenCV convention
    wc0, wr0, wc1, wr1 = _window(out_to_src, (bx0, by0, bx1, by1), (c0, r0, c1, r1))
    if wc1 <= wc0 or wr1 <= wr0:
        return None, np.zeros(len(TILE_FIELDS))
    inside = (c0 - wc0, c1 - 1 - wc0, r0 - wr0, r1 - 1 - wr0)
    row = _tile_row(slot, _shift(out_to_src, wc0, wr0), inside, (bx0, by0, bx1, by1))
    return np.ascontiguousarray(image[wr0:wr1, wc0:wc1]), row


def letterbox_tile_plan(image: np.ndarray, input_hw: tuple[int, int], flip: bool, slot: int = 0
                        ) -> tuple[np.ndarray, np.ndarray]:
    """Letterbox (resize by r, top-left) of ``image``, mirrored first if ``flip``: tile 0 of a plain sample."""
    h, w = image.shape[:2]
    r = letterbox_ratio((h, w), input_hw)
    nw, nh = (w, h) if (h, w) == tuple(input_hw) else (max(1, int(w * r)), max(1, int(h * r)))
    ax, ay = w / nw, h / nh  # resize_image's scales (size-based, as F.interpolate)
    m = np.array([[ax, 0, 0.5 * ax - 0.5], [0, ay, 0.5 * ay - 0.5]])
    if flip:
        m[0] = [-ax, 0, w - 1 - m[0, 2]]
    return image, _tile_row(slot, m, (-FAR, FAR, -FAR, FAR), (0, 0, nw, nh))


class _Mix(NamedTuple):
    row: np.ndarray
    window: np.ndarray
    grey_wh: tuple[int, int]


def mixup_plan(boxes: np.ndarray, labels: np.ndarray, other, rng: np.random.Generator,
               input_hw: tuple[int, int], scale_range: tuple[float, float], slot: int, flip_prob: float = 0.5
               ) -> tuple[_Mix, np.ndarray, np.ndarray]:
    """The draws and boxes of :func:`~yolox_edu.data.mosaic_mixup.mixup`, and its picture as a tile."""
    H, W = input_hw
    jitter = rng.uniform(*scale_range)
    flip = rng.uniform(0, 1) < flip_prob
    oh, ow = other.image.shape[:2]
    r = letterbox_ratio((oh, ow), (H, W))
    jw, jh = int(W * jitter), int(H * jitter)
    iw = min(jw, max(1, int(int(ow * r) * jitter)))
    ih = min(jh, max(1, int(int(oh * r) * jitter)))
    cp_boxes = clip_boxes(other.boxes * (r * jitter), (jh, jw))
    px = 0
    if flip:
        px = jw - iw
        cp_boxes = np.stack([jw - cp_boxes[:, 2], cp_boxes[:, 1], jw - cp_boxes[:, 0], cp_boxes[:, 3]], 1)
    y_off = int(rng.integers(0, jh - H)) if jh > H else 0
    x_off = int(rng.integers(0, jw - W)) if jw > W else 0
    cp_boxes = clip_boxes(cp_boxes - np.array([x_off, y_off, x_off, y_off], np.float32), (H, W))
    ax, ay = ow / iw, oh / ih
    mx = [-ax, 0, (iw - 0.5 - x_off + px) * ax - 0.5] if flip else [ax, 0, (x_off - px + 0.5) * ax - 0.5]
    m = np.array([mx, [0, ay, (y_off + 0.5) * ay - 0.5]])
    bbox = (max(px - x_off, 0), 0, min(px + iw - x_off, W), min(ih - y_off, H))
    row, window = np.zeros(len(TILE_FIELDS)), np.zeros((1, 1, 3), np.uint8)
    if bbox[2] > bbox[0] and bbox[3] > bbox[1]:
        wc0, wr0, wc1, wr1 = _window(m, bbox, (0, 0, ow, oh))
        row = _tile_row(slot, _shift(m, wc0, wr0), (-FAR, FAR, -FAR, FAR), bbox)
        window = np.ascontiguousarray(other.image[wr0:wr1, wc0:wc1])
    mix = _Mix(row, window, (max(0, jw - x_off), max(0, jh - y_off)))
    return mix, np.concatenate([boxes, cp_boxes]).astype(np.float32), np.concatenate([labels, other.labels]
                                                                                      ).astype(np.int64)


def _mosaic_plan(ds, first, input_hw: tuple[int, int], rng: np.random.Generator):
    """``MosaicDataset.mosaic_sample`` without pixels: (sources, tile rows, mix or None, boxes, labels)."""
    others = [ds.dataset[int(i)] for i in rng.integers(0, len(ds.dataset), 3)]
    items = [first, *others]
    center = mosaic_center(rng, input_hw)
    matrix = random_affine_matrix(rng, input_hw, **ds.affine)
    tiles = [mosaic_tile(k, s.image.shape[:2], input_hw, center) for k, s in enumerate(items)]
    boxes, labels = _mosaic_boxes(tiles, [s.boxes for s in items], [s.labels for s in items], input_hw)
    boxes = affine_boxes(boxes, matrix, input_hw)
    canvas_from_out = _HALF @ np.linalg.inv(np.vstack([matrix, [0, 0, 1]])) @ np.linalg.inv(_HALF)
    out_from_canvas = np.linalg.inv(canvas_from_out)
    sources, rows = [], []
    for item, tile in zip(items, tiles):
        window, row = mosaic_tile_plan(item.image, tile, out_from_canvas, canvas_from_out, input_hw, len(sources))
        if window is not None:
            sources.append(window)
        rows.append(row)
    mix = None
    if len(boxes) and ds._with_boxes and rng.random() < ds.mixup_prob:
        other = ds.dataset[ds._with_boxes[int(rng.integers(len(ds._with_boxes)))]]
        mix, boxes, labels = mixup_plan(boxes, labels, other, rng, input_hw, ds.mixup_scale, len(sources))
        if mix.row[0]:
            sources.append(mix.window)
    return sources, rows, mix, boxes, labels


def _finish_draws(ds, boxes: np.ndarray, labels: np.ndarray, image_hw: tuple[int, int], input_hw: tuple[int, int],
                  rng: np.random.Generator) -> tuple[tuple[int, int, int] | None, bool, Tensor]:
    """``train_transform``'s draws and boxes: (HSV shifts or None, flip, targets (max_labels, 5))."""
    hsv = None
    if rng.random() < ds.hsv_prob:
        gains = rng.uniform(-1, 1, 3) * HSV_GAINS * rng.integers(0, 2, 3)  # hsv_jitter's draws
        hsv = tuple(int(g) for g in gains)
    flip = bool(rng.random() < ds.flip_prob)
    r = letterbox_ratio(image_hw, input_hw)
    out_boxes = (hflip_boxes(boxes, image_hw[1]) if flip else boxes) * r
    keep = keep_boxes(out_boxes, MIN_SIZE)
    if len(boxes) and not keep.any():  # nothing left: the image before HSV and flip, as the CPU path
        hsv, flip, out_boxes = None, False, boxes * r
        keep = keep_boxes(out_boxes, MIN_SIZE)
    return hsv, flip, pad_labels(out_boxes[keep], labels[keep], ds.max_labels)


def plan_sample(ds, key) -> tuple[SamplePlan, Tensor, tuple[int, int, int]]:
    """What ``MosaicDataset[key]`` returns, with a :class:`SamplePlan` in place of the image.

    Shapes: targets (max_labels, 5) (class, cx, cy, w, h) input pixels, identical to the CPU path's."""
    index, input_hw, use_mosaic, seed = ds._key(key)
    H, W = input_hw
    rng = np.random.default_rng(seed)
    sample = ds.dataset[index]
    info = (*sample.hw, sample.image_id)
    tiles = np.zeros((NUM_TILES, len(TILE_FIELDS)))  # (5, 16)
    mix = None
    if use_mosaic and rng.random() < ds.mosaic_prob:
        sources, rows, mix, boxes, labels = _mosaic_plan(ds, sample, input_hw, rng)
        tiles[:4] = rows
        hsv, flip, targets = _finish_draws(ds, boxes, labels, (H, W), input_hw, rng)
        region, out_flip = (0, 0, W, H), flip
    else:
        hsv, flip, targets = _finish_draws(ds, sample.boxes, sample.labels, sample.image.shape[:2], input_hw, rng)
        source, tiles[0] = letterbox_tile_plan(sample.image, input_hw, flip)
        sources, region, out_flip = [source], tuple(int(v) for v in tiles[0, 12:16]), False
    if mix is not None:
        tiles[MIX_TILE] = mix.row
    grey = mix.grey_wh if mix is not None else (0, 0)
    shifts = hsv if hsv is not None and any(hsv) else (0, 0, 0)  # shift_hsv(0, 0, 0) is the identity
    params = np.array([H, W, out_flip, mix is not None, *grey, any(shifts), *shifts, *region], np.int64)
    return SamplePlan(sources, tiles, params), targets, info


def collate_plans(plans: list[SamplePlan]) -> PlanBatch:
    """Concatenate the source windows of a batch into one pixel buffer; source slots become buffer rows."""
    pixels, images, tiles, offset = [], [], [], 0
    for plan in plans:
        first = len(images)
        for window in plan.sources:
            h, w = window.shape[:2]
            pixels.append(torch.from_numpy(window.reshape(-1, 3)))
            images.append((offset, h, w))
            offset += h * w
        t = plan.tiles.copy()
        t[:, 1] += first * (t[:, 0] > 0)
        tiles.append(torch.from_numpy(t))
    if not pixels:  # every tile empty: keep one pixel so the buffer can be indexed
        pixels, images = [torch.zeros(1, 3, dtype=torch.uint8)], [(0, 1, 1)]
    return PlanBatch(torch.cat(pixels), torch.tensor(images, dtype=torch.int64), torch.stack(tiles),
                     torch.from_numpy(np.stack([p.params for p in plans])))
