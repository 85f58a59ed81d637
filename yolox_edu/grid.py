"""Anchor points: one per grid cell of every pyramid level, stacked level after level.

For input ``H × W`` and strides ``(8, 16, 32)`` level ``l`` has ``(H / s_l) × (W / s_l)`` cells,
row-major (row ``j`` outer, column ``i`` inner), exactly the order in which the head's flattened
outputs come. At 640² that is 6400 + 1600 + 400 = 8400 points.

Shapes: A anchor points over all levels.
"""

from __future__ import annotations

from dataclasses import dataclass

import torch
from torch import Tensor

__all__ = ["Grid", "make_grid", "level_sizes", "DEFAULT_STRIDES"]

DEFAULT_STRIDES: tuple[int, ...] = (8, 16, 32)


@dataclass(frozen=True)
class Grid:
    """Anchor points of all levels.

    Attributes:
        cells: (A, 2) float, cell index (i, j) = (column, row) of each point.
        strides: (A,) float, the stride of each point's level.
        level_shapes: ((h, w), ...) grid size of each level, in the stacking order.
    """

    cells: Tensor
    strides: Tensor
    level_shapes: tuple[tuple[int, int], ...]

    @property
    def centers(self) -> Tensor:
        """(A, 2) pixel center ((i + 0.5)·s, (j + 0.5)·s) of each cell; center sampling uses it."""
        return (self.cells + 0.5) * self.strides[:, None]

    @property
    def origins(self) -> Tensor:
        """(A, 2) pixel position (i·s, j·s) of each cell's top-left corner; decoding adds it."""
        return self.cells * self.strides[:, None]

    @property
    def num_points(self) -> int:
        return self.cells.shape[0]


def level_sizes(input_size: tuple[int, int], strides: tuple[int, ...] = DEFAULT_STRIDES) -> list[tuple[int, int]]:
    """Grid (h, w) of each level for an input (H, W); sizes must be multiples of the largest stride."""
    h, w = input_size
    if h % max(strides) or w % max(strides):
        raise ValueError(f"input size {input_size} must be a multiple of the largest stride {max(strides)}")
    return [(h // s, w // s) for s in strides]


def make_grid(
    input_size: tuple[int, int] | None = None,
    strides: tuple[int, ...] = DEFAULT_STRIDES,
    *,
    level_shapes: list[tuple[int, int]] | None = None,
    device: torch.device | str | None = None,
    dtype: torch.dtype = torch.float32,
) -> Grid:
    """Anchor points for an input size (H, W), or for explicit per-level (h, w) grid shapes."""
    if level_shapes is None:
        if input_size is None:
            raise ValueError("give input_size or level_shapes")
        level_shapes = level_sizes(input_size, strides)
    if len(level_shapes) != len(strides):
        raise ValueError(f"{len(level_shapes)} level shapes for {len(strides)} strides")
    cells, point_strides = [], []
    for (h, w), s in zip(level_shapes, strides):
        rows, cols = torch.meshgrid(
            torch.arange(h, device=device, dtype=dtype), torch.arange(w, device=device, dtype=dtype), indexing="ij"
        )
        cells.append(torch.stack((cols, rows), dim=-1).reshape(-1, 2))  # (h·w, 2)
        point_strides.append(torch.full((h * w,), float(s), device=device, dtype=dtype))  # (h·w,)
    return Grid(
        cells=torch.cat(cells),  # (A, 2)
        strides=torch.cat(point_strides),  # (A,)
        level_shapes=tuple((int(h), int(w)) for h, w in level_shapes),
    )
