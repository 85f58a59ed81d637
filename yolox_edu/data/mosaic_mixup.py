"""Mosaic (four images around a random centre) and MixUp (blend with a second image), as pure functions.

Images are (h, w, 3) uint8 RGB numpy arrays, boxes (N, 4) float32 xyxy pixels, labels (N,) int64.
:func:`mosaic` builds the 2H × 2W canvas (the picture to look at); :func:`mosaic_warp` gives the same
result as ``mosaic`` followed by :func:`~yolox_edu.data.augment.warp_affine` in one resampling pass
straight from the four originals, without the canvas: what the training pipeline uses.
"""

from __future__ import annotations

from collections.abc import Sequence
from typing import NamedTuple

import numpy as np
from PIL import Image

from ..preprocess import PAD_VALUE, letterbox_ratio
from .augment import affine_boxes, clip_boxes, opencv, resize_image

__all__ = ["mosaic_center", "mosaic", "mosaic_warp", "mixup"]

_HALF = np.array([[1, 0, 0.5], [0, 1, 0.5], [0, 0, 1]])  # integer pixel centres → PIL's (x + 0.5)


def mosaic_center(rng: np.random.Generator, input_hw: tuple[int, int],
                  center_range: tuple[float, float] = (0.5, 1.5)) -> tuple[int, int]:
    """The mosaic centre (yc, xc), each drawn from ``center_range × size`` and truncated to int."""
    yc = int(rng.uniform(center_range[0] * input_hw[0], center_range[1] * input_hw[0]))
    xc = int(rng.uniform(center_range[0] * input_hw[1], center_range[1] * input_hw[1]))
    return yc, xc


class Tile(NamedTuple):
    """Where image k of a mosaic lands: resize ``scale`` to ``size_wh``, top-left corner ``origin`` (ox, oy)
    on the canvas (may be negative), and the part inside the canvas, ``visible`` (x1, y1, x2, y2)."""

    scale: float
    size_wh: tuple[int, int]
    origin: tuple[int, int]
    visible: tuple[int, int, int, int]


def mosaic_tile(k: int, image_hw: tuple[int, int], input_hw: tuple[int, int], center: tuple[int, int]) -> Tile:
    """Placement of image k (0 top-left, 1 top-right, 2 bottom-left, 3 bottom-right of the centre)."""
    H, W = input_hw
    yc, xc = center
    scale = min(H / image_hw[0], W / image_hw[1])
    w, h = int(image_hw[1] * scale), int(image_hw[0] * scale)
    ox = xc - w if k in (0, 2) else xc
    oy = yc - h if k in (0, 1) else yc
    visible = (max(ox, 0), max(oy, 0), min(ox + w, 2 * W), min(oy + h, 2 * H))
    return Tile(scale, (w, h), (ox, oy), visible)


def _mosaic_boxes(tiles: Sequence[Tile], boxes_list: Sequence[np.ndarray], labels_list: Sequence[np.ndarray],
                  input_hw: tuple[int, int]) -> tuple[np.ndarray, np.ndarray]:
    """Boxes moved with their tiles and clipped to the 2H × 2W canvas: (sum N_i, 4), labels (sum N_i,)."""
    moved = [b * t.scale + np.array([*t.origin, *t.origin], np.float32) for t, b in zip(tiles, boxes_list)]
    boxes = clip_boxes(np.concatenate(moved).astype(np.float32).reshape(-1, 4), (2 * input_hw[0], 2 * input_hw[1]))
    return boxes, np.concatenate(labels_list).astype(np.int64)


def mosaic(images: Sequence[np.ndarray], boxes_list: Sequence[np.ndarray], labels_list: Sequence[np.ndarray],
           input_hw: tuple[int, int], center: tuple[int, int], pad_value: int = PAD_VALUE
           ) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
    """Paste four images around ``center = (yc, xc)`` on a 2H × 2W grey canvas.

    Each image is resized by ``min(H/h, W/w)``; image 0 ends at the centre from the top-left, 1 from the
    top-right, 2 from the bottom-left, 3 from the bottom-right; parts outside the canvas are cut.
    Boxes follow their image and are clipped to the canvas (none are dropped here).

    Shapes: 4 × (h_i, w_i, 3) → (2H, 2W, 3) uint8, boxes (sum N_i, 4) xyxy, labels (sum N_i,).
    """
    if len(images) != 4:
        raise ValueError(f"mosaic needs 4 images, got {len(images)}")
    H, W = input_hw
    canvas = np.full((2 * H, 2 * W, 3), pad_value, np.uint8)  # (2H, 2W, 3)
    tiles = [mosaic_tile(k, image.shape[:2], input_hw, center) for k, image in enumerate(images)]
    for image, t in zip(images, tiles):
        (ox, oy), (x1, y1, x2, y2) = t.origin, t.visible
        if x2 > x1 and y2 > y1:
            canvas[y1:y2, x1:x2] = resize_image(image, t.size_wh)[y1 - oy:y2 - oy, x1 - ox:x2 - ox]
    return (canvas, *_mosaic_boxes(tiles, boxes_list, labels_list, input_hw))


def _warp_tile(out: Image.Image | np.ndarray, image: np.ndarray, tile: Tile, canvas_from_out: np.ndarray) -> None:
    """Resample the visible part of one tile straight from its original image into ``out`` (PIL, bilinear).

    ``canvas_from_out`` maps output to canvas coordinates (PIL's, pixel centres at +0.5). Only the
    bounding box of the tile's footprint on the output is computed; output pixels whose canvas point
    falls outside the tile keep what ``out`` holds (alpha 0 in the pasted patch).
    """
    (x1, y1, x2, y2), (ox, oy) = tile.visible, tile.origin
    sx, sy = tile.size_wh[0] / image.shape[1], tile.size_wh[1] / image.shape[0]  # the resize's exact scales
    c0, r0 = int((x1 - ox) / sx), int((y1 - oy) / sy)  # source crop holding the visible part
    c1, r1 = min(image.shape[1], -int(-(x2 - ox) / sx)), min(image.shape[0], -int(-(y2 - oy) / sy))
    out_from_canvas = np.linalg.inv(canvas_from_out)
    corners = np.array([[x1, y1, 1], [x2, y1, 1], [x1, y2, 1], [x2, y2, 1]], float) @ out_from_canvas[:2].T
    bx0, by0 = (max(0, int(np.floor(v))) for v in corners.min(0))
    height, width = (out.height, out.width) if isinstance(out, Image.Image) else out.shape[:2]
    bx1, by1 = min(width, int(np.ceil(corners[:, 0].max()))), min(height, int(np.ceil(corners[:, 1].max())))
    if bx1 <= bx0 or by1 <= by0 or c1 <= c0 or r1 <= r0:
        return
    src_from_canvas = np.array([[1 / sx, 0, -ox / sx - c0], [0, 1 / sy, -oy / sy - r0], [0, 0, 1]])
    src_from_patch = src_from_canvas @ canvas_from_out @ np.array([[1, 0, bx0], [0, 1, by0], [0, 0, 1]])
    cv = opencv()
    if cv is not None:  # same geometry in OpenCV's convention (pixel centres at integers)
        m = np.linalg.inv(np.linalg.inv(_HALF) @ src_from_patch @ _HALF)[:2]  # source → patch
        size = (bx1 - bx0, by1 - by0)
        warped = cv.warpAffine(image[r0:r1, c0:c1], m, size, flags=cv.INTER_LINEAR,  # a view: no copy
                               borderMode=cv.BORDER_REPLICATE)  # edges clamp, as PIL does
        inside = cv.warpAffine(np.ones((r1 - r0, c1 - c0), np.uint8), m, size, flags=cv.INTER_NEAREST)
        np.copyto(out[by0:by1, bx0:bx1], warped, where=inside[..., None].astype(bool))
        return
    source = Image.fromarray(np.ascontiguousarray(image[r0:r1, c0:c1])).convert("RGBA")  # alpha 255
    patch = source.transform((bx1 - bx0, by1 - by0), Image.AFFINE, tuple(src_from_patch[:2].ravel()),
                             Image.BILINEAR, fillcolor=(0, 0, 0, 0))  # alpha 0 outside the tile
    out.paste(patch, (bx0, by0), patch)


def mosaic_warp(images: Sequence[np.ndarray], boxes_list: Sequence[np.ndarray], labels_list: Sequence[np.ndarray],
                input_hw: tuple[int, int], center: tuple[int, int], matrix: np.ndarray,
                out_hw: tuple[int, int] | None = None, pad_value: int = PAD_VALUE
                ) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
    """``mosaic`` then ``warp_affine(canvas, matrix, out_hw)`` in one pass, without building the canvas.

    Every output pixel is interpolated once, from the original image its canvas point falls in (the
    two-step version interpolates twice: resize, then warp), so no 2H × 2W canvas and no resized copies
    are made. Pixels agree with the two-step version up to that second interpolation (and to tile seams,
    which blend with grey instead of the neighbour tile); boxes are the same.

    Shapes: 4 × (h_i, w_i, 3) uint8, matrix (2, 3) canvas → output → (H', W', 3) uint8 with ``out_hw``
    (default ``input_hw``), boxes (sum N_i, 4) xyxy, labels (sum N_i,).
    """
    if len(images) != 4:
        raise ValueError(f"mosaic needs 4 images, got {len(images)}")
    out_hw = tuple(out_hw) if out_hw is not None else tuple(input_hw)
    tiles = [mosaic_tile(k, image.shape[:2], input_hw, center) for k, image in enumerate(images)]
    if opencv() is not None:
        out = np.full((*out_hw, 3), pad_value, np.uint8)  # (H', W', 3)
    else:
        out = Image.new("RGB", (out_hw[1], out_hw[0]), (pad_value,) * 3)
    canvas_from_out = _HALF @ np.linalg.inv(np.vstack([matrix, [0, 0, 1]])) @ np.linalg.inv(_HALF)
    for image, tile in zip(images, tiles):
        _warp_tile(out, image, tile, canvas_from_out)
    boxes, labels = _mosaic_boxes(tiles, boxes_list, labels_list, input_hw)
    return np.asarray(out), affine_boxes(boxes, matrix, out_hw), labels


def mixup(image: np.ndarray, boxes: np.ndarray, labels: np.ndarray, other_image: np.ndarray,
          other_boxes: np.ndarray, other_labels: np.ndarray, rng: np.random.Generator,
          scale_range: tuple[float, float] = (0.5, 1.5), flip_prob: float = 0.5,
          ) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
    """Blend ``image`` 0.5/0.5 with a jittered copy of ``other_image``; labels are concatenated.

    The other image is letterboxed to the size of ``image`` (grey padding), the whole letterboxed canvas
    scaled by a factor drawn from ``scale_range``, maybe mirrored, padded with black to at least that
    size and randomly cropped back to it (as the official's "copy-paste" MixUp). Done with one resize
    straight from the original, and only the H × W crop is ever built.

    Shapes: image (H, W, 3) uint8 → (H, W, 3) uint8; boxes (N + M, 4) xyxy; labels (N + M,).
    """
    H, W = image.shape[:2]
    jitter = rng.uniform(*scale_range)
    flip = rng.uniform(0, 1) < flip_prob
    r = letterbox_ratio(other_image.shape[:2], (H, W))
    jw, jh = int(W * jitter), int(H * jitter)  # the jittered letterbox canvas
    iw = min(jw, max(1, int(int(other_image.shape[1] * r) * jitter)))  # the picture on it (top-left)
    ih = min(jh, max(1, int(int(other_image.shape[0] * r) * jitter)))
    cv = opencv()
    picture = cv.resize(other_image, (iw, ih)) if cv is not None else resize_image(other_image, (iw, ih))
    cp_boxes = clip_boxes(other_boxes * (r * jitter), (jh, jw))
    px = 0
    if flip:  # mirror the whole jittered canvas: the picture moves to its right edge
        picture, px = picture[:, ::-1], jw - iw
        cp_boxes = np.stack([jw - cp_boxes[:, 2], cp_boxes[:, 1], jw - cp_boxes[:, 0], cp_boxes[:, 3]], 1)
    y_off = int(rng.integers(0, jh - H)) if jh > H else 0
    x_off = int(rng.integers(0, jw - W)) if jw > W else 0
    crop = np.zeros((H, W, 3), np.uint8)  # (H, W, 3) black beyond the jittered canvas
    crop[:max(0, jh - y_off), :max(0, jw - x_off)] = PAD_VALUE
    x1, x2 = max(px - x_off, 0), min(px + iw - x_off, W)
    y1, y2 = 0, min(ih - y_off, H)
    if x2 > x1 and y2 > y1:
        crop[y1:y2, x1:x2] = picture[y1 + y_off:y2 + y_off, x1 + x_off - px:x2 + x_off - px]
    cp_boxes = clip_boxes(cp_boxes - np.array([x_off, y_off, x_off, y_off], np.float32), (H, W))
    blended = (image >> 1) + (crop >> 1) + (image & crop & 1)  # = floor((a + b) / 2) in uint8
    return (blended, np.concatenate([boxes, cp_boxes]).astype(np.float32),
            np.concatenate([labels, other_labels]).astype(np.int64))
