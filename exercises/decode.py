"""Exercise: anchor points and decoding raw head outputs into boxes — notebook 04 ("Your turn").

Replace each ``raise NotImplementedError`` with your code, then grade it:

    yolox-edu grade decode                                  # in a terminal, from the course folder
    from yolox_edu.grading import check; check("decode")    # in the notebook

Use torch only. The head predicts, for every cell of every pyramid level, raw (tx, ty, tw, th): an offset
from the cell's top-left corner and a log-size, both in units of the level's stride s.
Shapes: B batch, A anchor points over all levels (8400 at 640×640), K channels, (h, w) a level's grid.
"""

from __future__ import annotations

from torch import Tensor


def grid_points(input_hw: tuple[int, int], strides: tuple[int, ...] = (8, 16, 32)) -> tuple[Tensor, Tensor]:
    """The anchor points of all levels, in the order the head's flattened outputs come.

    Args:
        input_hw: (H, W) input size in pixels, multiples of the largest stride.
        strides: one stride per level.

    Returns:
        cells: (A, 2) float32, the cell index (i, j) = (column, row) of each point;
        point_strides: (A,) float32, the stride of each point's level.
        Level after level (strides in the given order); within a level row-major: row j outer, column i
        inner. A = sum over levels of (H / s) · (W / s).

    Example:
        >>> cells, s = grid_points((64, 32), strides=(32,))   # a 2 × 1 grid (h = 2 rows, w = 1 column)
        >>> cells, s
        (tensor([[0., 0.], [0., 1.]]), tensor([32., 32.]))
    """
    raise NotImplementedError


def flatten_levels(maps: list[Tensor]) -> Tensor:
    """Per-level head maps → one tensor with a row per anchor point.

    Args:
        maps: list of L tensors (B, K, h_l, w_l), same B and K.

    Returns:
        (B, A, K): each map flattened row-major over (h_l, w_l), levels concatenated in list order, channels
        last.

    Example:
        two levels (B, K, 2, 2) and (B, K, 1, 1) → (B, 5, K); row 4 is the second level's only cell.
    """
    raise NotImplementedError


def decode_boxes(reg: Tensor, cells: Tensor, strides: Tensor) -> Tensor:
    """Raw regression outputs → boxes in input pixels.

    Args:
        reg: (B, A, 4) raw (tx, ty, tw, th), float32 or float64.
        cells: (A, 2) cell indices (i, j) from ``grid_points``.
        strides: (A,) point strides.

    Returns:
        (B, A, 4) cxcywh pixels, dtype of ``reg``: cx = (tx + i)·s, cy = (ty + j)·s, w = exp(tw)·s,
        h = exp(th)·s. B = 0 gives (0, A, 4).

    Example:
        (tx, ty, tw, th) = (0.5, 0.5, 0, 0) at cell (i, j) = (1, 0) with s = 8 → (12, 4, 8, 8).
    """
    raise NotImplementedError
