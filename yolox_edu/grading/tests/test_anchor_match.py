"""Grading tests of exercises/anchor_match.py, against ``yolox_edu.assign.yolov3.darknet_match``."""

from __future__ import annotations

import pytest
import torch

from yolox_edu.anchors import make_anchor_grid, parse_anchors
from yolox_edu.assign.yolov3 import darknet_match
from yolox_edu.grading.checks import expect, expect_tensor, gen

EXERCISE = "anchor_match"
FIELDS = ("level", "anchor", "row", "col", "index")
STRIDES = (8, 16, 32)


def compare(ex, gts: torch.Tensor, anchors: torch.Tensor, size: tuple[int, int], what: str) -> None:
    shapes = tuple((size[0] // s, size[1] // s) for s in STRIDES)
    got = ex.darknet_match(gts.clone(), anchors, STRIDES, shapes)
    expect(isinstance(got, tuple) and len(got) == 5, "darknet_match returns (level, anchor, row, col, index)")
    want = darknet_match(gts, anchors, STRIDES, shapes)
    for name, g, w in zip(FIELDS, got, want):
        expect_tensor(g, w, f"{name} of {what}")


def random_gts(n: int, seed: int, size: tuple[int, int]) -> torch.Tensor:
    g = gen(seed)
    centers = torch.rand(n, 2, generator=g) * torch.tensor([size[1], size[0]], dtype=torch.float32)
    return torch.cat((centers, 4 + torch.rand(n, 2, generator=g) * 300), dim=1)  # (n, 4)


@pytest.mark.points(2)
@pytest.mark.hint("compare anchor SHAPES only: both boxes centred on the same point, so the IoU depends on the "
                  "widths and heights alone; search all L·K anchors at once")
def test_match_random_gts(ex):
    compare(ex, random_gts(40, 1, (416, 320)), parse_anchors("yolov3"), (416, 320), "40 gts on a 416 × 320 input")


@pytest.mark.points(2)
@pytest.mark.hint("predictions are numbered level, then anchor, then row, then column: each level starts after "
                  "all K·h·w predictions of the levels before it")
def test_index_points_at_the_right_prediction(ex):
    size, anchors = (256, 192), parse_anchors("yolov3")
    gts = random_gts(25, 2, size)
    shapes = tuple((size[0] // s, size[1] // s) for s in STRIDES)
    got = ex.darknet_match(gts, anchors, STRIDES, shapes)
    grid = make_anchor_grid(anchors, size)
    index = got[4]
    expect(isinstance(index, torch.Tensor) and bool(((index >= 0) & (index < grid.num_points)).all()),
           "an index outside 0..N − 1")
    cells, wh = grid.cells[index], grid.anchor_wh[index]  # (G, 2) each
    expect_tensor(cells, torch.stack((got[3], got[2]), 1).float(), "the cell (col, row) of the indexed predictions")
    expect_tensor(wh, anchors.reshape(-1, 2)[got[0] * anchors.shape[1] + got[1]], "the anchor of the indexed "
                  "predictions")
    compare(ex, gts, anchors, size, "25 gts on a 256 × 192 input")


@pytest.mark.points(2)
@pytest.mark.hint("a center exactly on a cell border goes to the cell below / right; a center outside the image "
                  "is moved into the grid; ties between anchors go to the first")
def test_borders_outside_and_ties(ex):
    size = (64, 64)
    anchors = torch.tensor([[[10.0, 10], [10, 10], [20, 20]], [[40, 40], [40, 40], [50, 50]],
                            [[64, 64], [64, 64], [90, 90]]])  # duplicate anchors: ties
    gts = torch.tensor([[16.0, 32, 10, 10], [63.99, 0.0, 40, 40], [70, -5, 64, 64], [0, 0, 90, 90],
                        [32, 32, 12, 12], [32, 70, 10, 12], [-3, 66, 40, 40]])  # also below and left of the image
    compare(ex, gts, anchors, size, "gts on borders, outside the image, and with tied anchors")


@pytest.mark.points(1)
@pytest.mark.hint("L levels and K anchors per level need not be equal: read K from the anchors' second axis")
def test_two_anchors_per_level(ex):
    anchors = parse_anchors("yolov3")[:, :2]  # (3, 2, 2): L = 3 levels, K = 2 anchors each
    compare(ex, random_gts(20, 3, (96, 64)), anchors, (96, 64), "20 gts with 2 anchors per level (L = 3, K = 2)")


@pytest.mark.points(1)
@pytest.mark.hint("no gts → five empty int64 tensors, without an error")
def test_no_gts(ex):
    got = ex.darknet_match(torch.zeros(0, 4), parse_anchors("yolov3"), STRIDES, ((8, 8), (4, 4), (2, 2)))
    expect(isinstance(got, tuple) and len(got) == 5, "darknet_match returns (level, anchor, row, col, index)")
    for name, t in zip(FIELDS, got):
        expect_tensor(t, torch.zeros(0, dtype=torch.long), f"{name} with no gts")
