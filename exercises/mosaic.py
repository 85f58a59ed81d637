"""Exercise: Mosaic — where the four tiles land and how their boxes follow — notebook 08 ("Your turn").

Replace each ``raise NotImplementedError`` with your code, then grade it:

    yolox-edu grade mosaic                                      # in a terminal, from the course folder
    from yolox_edu.grading import check; check("mosaic")        # in the notebook

Use numpy only. For an input size (H, W) the mosaic canvas is (2H, 2W) and its centre (yc, xc) is drawn at
random. Tile 0 ends at the centre from the top-left, tile 1 from the top-right, tile 2 from the
bottom-left, tile 3 from the bottom-right; parts outside the canvas are cut.
Shapes: boxes (N, 4) float32 xyxy pixels; sizes are (h, w), centres (yc, xc), offsets (ox, oy).
"""

from __future__ import annotations

import numpy as np


def tile_offset(k: int, tile_hw: tuple[int, int], center: tuple[int, int]) -> tuple[int, int]:
    """Canvas position of the top-left corner of tile k.

    Args:
        k: tile index 0..3; tile_hw: (h, w) of the resized tile; center: (yc, xc).

    Returns:
        (ox, oy) ints such that the four tiles meet at the center: tile 0 touches it with its bottom-right
        corner, tile 1 with its bottom-left, tile 2 with its top-right, tile 3 with its top-left corner.
        May be negative (the tile then sticks out of the canvas).

    Example:
        tile 0 of size (40, 60) at center (100, 120) → (60, 60); tile 3 → (120, 100).
    """
    raise NotImplementedError


def shift_boxes(boxes: np.ndarray, scale: float, offset: tuple[int, int]) -> np.ndarray:
    """Boxes of a tile that was resized by ``scale`` and pasted at ``offset``.

    Args:
        boxes: (N, 4) float32 xyxy in the original image; scale: the resize factor; offset: (ox, oy).

    Returns:
        (N, 4) float32, a new array: the same objects in canvas pixels.

    Example:
        (10, 20, 30, 40) with scale 0.5 and offset (100, 7) → (105, 17, 115, 27).
    """
    raise NotImplementedError


def clip_boxes(boxes: np.ndarray, hw: tuple[int, int]) -> np.ndarray:
    """Clip boxes to an (h, w) canvas; nothing is dropped (a box fully outside becomes zero-width).

    Args:
        boxes: (N, 4) float32 xyxy; hw: (h, w) — height first.

    Returns:
        (N, 4) float32, a new array: each box cut to the part inside the canvas (a box fully outside keeps
        zero width or height on that side).

    Example:
        (−10, 5, 30, 70) on a (60, 100) canvas → (0, 5, 30, 60).
    """
    raise NotImplementedError


def mosaic_boxes(boxes_list: list[np.ndarray], image_hws: list[tuple[int, int]], input_hw: tuple[int, int],
                 center: tuple[int, int]) -> np.ndarray:
    """All boxes of a mosaic, on its (2H, 2W) canvas.

    Args:
        boxes_list: 4 arrays (N_k, 4) float32 xyxy, one per image (N_k may be 0);
        image_hws: the 4 original sizes (h0, w0); input_hw: (H, W); center: (yc, xc).

    Returns:
        (N_0 + N_1 + N_2 + N_3, 4) float32 in tile order, inside the (2H, 2W) canvas: image k becomes tile
        k after the largest resize that keeps its aspect ratio and fits it in (H, W) (the tile's size
        rounds down to whole pixels; the boxes use the exact factor).

    Example:
        input (64, 64), an image of (128, 64) → scale 0.5, tile (64, 32); as tile 0 with center (64, 64) it
        lands at (32, 0), so its box (0, 0, 64, 128) becomes (32, 0, 64, 64).
    """
    raise NotImplementedError
