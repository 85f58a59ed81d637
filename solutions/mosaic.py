"""Mosaic: where the four tiles land and how their boxes follow (notebook 08_augmentations). Reference
answers for ``exercises/mosaic.py``.

The canvas is (2H, 2W) for an input size (H, W); the mosaic centre is (yc, xc). Tile 0 ends at the
centre from the top-left, 1 from the top-right, 2 from the bottom-left, 3 from the bottom-right.
Shapes: boxes (N, 4) float32 xyxy pixels (numpy).
"""

from __future__ import annotations

import numpy as np


def tile_offset(k: int, tile_hw: tuple[int, int], center: tuple[int, int]) -> tuple[int, int]:
    """Canvas position (ox, oy) of the top-left corner of tile k (0..3) of size (h, w)."""
    h, w = tile_hw
    yc, xc = center
    ox = xc - w if k in (0, 2) else xc
    oy = yc - h if k in (0, 1) else yc
    return ox, oy


def shift_boxes(boxes: np.ndarray, scale: float, offset: tuple[int, int]) -> np.ndarray:
    """Boxes of a resized, pasted tile: boxes · scale + (ox, oy, ox, oy). (N, 4) → (N, 4) float32, a copy."""
    ox, oy = offset
    return (boxes * scale + np.array([ox, oy, ox, oy], np.float32)).astype(np.float32)


def clip_boxes(boxes: np.ndarray, hw: tuple[int, int]) -> np.ndarray:
    """Clip x to [0, w] and y to [0, h] (a copy; nothing is dropped). (N, 4) → (N, 4) float32."""
    out = boxes.astype(np.float32)  # a copy
    out[:, 0::2] = out[:, 0::2].clip(0, hw[1])
    out[:, 1::2] = out[:, 1::2].clip(0, hw[0])
    return out


def mosaic_boxes(boxes_list: list[np.ndarray], image_hws: list[tuple[int, int]], input_hw: tuple[int, int],
                 center: tuple[int, int]) -> np.ndarray:
    """All boxes of a mosaic on its (2H, 2W) canvas, clipped to it: image k of size (h0, w0) is resized by
    ``scale = min(H / h0, W / w0)`` to ``(int(h0 · scale), int(w0 · scale))`` and pasted as tile k.
    4 × (N_k, 4) → (ΣN_k, 4) float32, in tile order."""
    H, W = input_hw
    out = []
    for k, (boxes, (h0, w0)) in enumerate(zip(boxes_list, image_hws)):
        scale = min(H / h0, W / w0)
        tile_hw = (int(h0 * scale), int(w0 * scale))
        out.append(shift_boxes(np.asarray(boxes, np.float32).reshape(-1, 4), scale, tile_offset(k, tile_hw, center)))
    return clip_boxes(np.concatenate(out), (2 * H, 2 * W))  # (ΣN, 4)
