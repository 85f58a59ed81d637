"""Grading tests of exercises/encode.py: the inverse of decoding, checked by decoding the learner's answer."""

from __future__ import annotations

import pytest
import torch

from yolox_edu.decode import decode_boxes
from yolox_edu.grading.checks import expect, expect_tensor, gen
from yolox_edu.grid import make_grid

EXERCISE = "encode"


def boxes_near_points(grid, batch: int, seed: int, dtype=torch.float32) -> torch.Tensor:
    """(batch, A, 4) cxcywh boxes, each within a few strides of its point and 0.3 to 12 strides wide."""
    g, s = gen(seed), grid.strides[:, None].to(dtype)  # (A, 1)
    centers = grid.centers.to(dtype) + (torch.rand(batch, grid.num_points, 2, generator=g, dtype=dtype) * 4 - 2) * s
    sizes = (0.3 + torch.rand(batch, grid.num_points, 2, generator=g, dtype=dtype) * 12) * s
    return torch.cat((centers, sizes), dim=-1)  # (batch, A, 4)


@pytest.mark.points(3)
@pytest.mark.hint("decode your answer with yolox_edu.decode.decode_boxes and compare: is the stride applied to "
                  "the center and to the size, and is the cell taken off in cell units?")
def test_encode_then_decode_gives_the_boxes_back(ex):
    grid = make_grid((96, 160))
    boxes = boxes_near_points(grid, 2, 1)
    raw = ex.encode_boxes(boxes.clone(), grid.cells.clone(), grid.strides.clone())
    expect(isinstance(raw, torch.Tensor) and raw.shape == boxes.shape, "encode_boxes must return a (B, A, 4) tensor")
    expect_tensor(decode_boxes(raw, grid), boxes, "decode_boxes(encode_boxes(boxes)) on 3 levels, B = 2",
                  atol=1e-3, rtol=1e-4)


@pytest.mark.points(2)
@pytest.mark.hint("a size is stored as a logarithm relative to the stride; the natural log, not log2 or log10")
def test_encode_values_on_boxes_far_from_their_cell(ex):
    grid = make_grid((64, 64), strides=(16, 32))
    boxes = boxes_near_points(grid, 1, 2)[0] * torch.tensor([1.0, 1.0, 3.0, 0.5])  # (A, 4) odd sizes
    raw = ex.encode_boxes(boxes, grid.cells, grid.strides)
    expect_tensor(decode_boxes(raw[None], grid)[0], boxes, "round trip without a batch dim ((A, 4) boxes)",
                  atol=1e-3, rtol=1e-4)


@pytest.mark.points(1)
@pytest.mark.hint("keep the boxes' dtype (a float64 cell or stride must not turn float32 boxes into float64, nor "
                  "the reverse) and let N = 0 boxes give a (..., 0, 4) result")
def test_encode_dtype_and_no_boxes(ex):
    grid = make_grid((64, 96), dtype=torch.float64)
    boxes = boxes_near_points(grid, 1, 3, torch.float64)
    expect_tensor(decode_boxes(ex.encode_boxes(boxes, grid.cells, grid.strides), grid), boxes,
                  "round trip on float64 boxes", atol=1e-9, rtol=1e-9)
    raw32 = ex.encode_boxes(boxes.float(), grid.cells, grid.strides)  # float32 boxes, float64 cells and strides
    expect(raw32.dtype == torch.float32, f"float32 boxes with a float64 grid gave {raw32.dtype}, not float32")
    empty = ex.encode_boxes(torch.zeros(2, 0, 4), torch.zeros(0, 2), torch.zeros(0))
    expect_tensor(empty, torch.zeros(2, 0, 4), "encode_boxes of (2, 0, 4) boxes")


@pytest.mark.points(2)
@pytest.mark.hint("a point exactly on a cell border belongs to the cell whose left/top edge it is; the result "
                  "is int64 (column, row), not (row, column)")
def test_cell_of_random_and_borders(ex):
    g = gen(4)
    centers = torch.cat((torch.rand(50, 2, generator=g) * 200,  # random
                         torch.tensor([[16.0, 0.0], [31.999, 8.0], [0.0, 47.5], [64.0, 64.0]])))  # borders
    for stride in (8, 16, 32):
        want = torch.stack(((centers[:, 0] / stride).floor(), (centers[:, 1] / stride).floor()), -1).long()
        expect_tensor(ex.cell_of(centers.clone(), stride), want, f"cell_of 54 points at stride {stride}")
    expect_tensor(ex.cell_of(torch.zeros(0, 2), 8), torch.zeros(0, 2, dtype=torch.long), "cell_of no points")


@pytest.mark.points(1)
@pytest.mark.hint("encode a box at the cell that contains its center: tx, ty then lie in [0, 1)")
def test_cell_of_and_encode_agree(ex):
    boxes = torch.tensor([[100.0, 37.0, 50.0, 20.0], [8.0, 8.0, 4.0, 4.0], [255.9, 0.1, 300.0, 2.0]])  # (3, 4)
    for stride in (8, 32):
        cells = ex.cell_of(boxes[:, :2], stride).float()  # (3, 2)
        raw = ex.encode_boxes(boxes, cells, torch.full((3,), float(stride)))
        expect(bool(((raw[:, :2] >= 0) & (raw[:, :2] < 1)).all()),
               f"at stride {stride} an offset of a box at its own cell is outside [0, 1)")
