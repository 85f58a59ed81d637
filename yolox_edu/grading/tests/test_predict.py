"""Grading tests of exercises/predict.py: each stated number against what yolox_edu computes."""

from __future__ import annotations

import pytest
import torch

from yolox_edu.assign import dynamic_k, in_box_mask, in_center_mask
from yolox_edu.grading.checks import expect
from yolox_edu.grid import make_grid

EXERCISE = "predict"


def expect_answer(got, want, question: str) -> None:
    expect(type(got) is type(want), f"{question}: answer with a {type(want).__name__}, not {type(got).__name__}")
    expect(got == want, f"{question}: your number is not what yolox_edu computes; redo it on paper before "
                        "changing it (the hint says where people slip)")


def level_counts(grid, mask: torch.Tensor) -> list[int]:
    """How many points of each level a (A,) bool mask holds."""
    sizes = [h * w for h, w in grid.level_shapes]
    return [int(part.sum()) for part in mask.split(sizes)]


@pytest.mark.points(1)
@pytest.mark.hint("the input is (height, width) = (256, 416), not square; a level has (H/s)·(W/s) points")
def test_points_per_level(ex):
    got = ex.points_per_level()
    want = tuple(h * w for h, w in make_grid((256, 416)).level_shapes)
    expect(isinstance(got, tuple) and len(got) == 3, "points_per_level: answer with a tuple of 3 ints")
    for i, (g, w) in enumerate(zip(got, want)):
        expect_answer(g, w, f"points_per_level, stride {8 << i}")


@pytest.mark.points(2)
@pytest.mark.hint("only the 10 largest IoUs count (sort them first), and k is rounded down")
def test_dynamic_k(ex):
    ious = torch.tensor([[0.05, 0.81, 0.30, 0.77, 0.12, 0.64, 0.58, 0.09, 0.40, 0.33, 0.71, 0.02, 0.26, 0.49]])
    expect_answer(ex.dynamic_k_of(), int(dynamic_k(ious)[0]), "dynamic_k_of")


@pytest.mark.points(2)
@pytest.mark.hint("stride-8 points sit at cell centers (4, 12, 20, ...), not at multiples of 8; count x and y "
                  "separately and multiply; an edge is outside")
def test_in_box_and_center(ex):
    grid = make_grid((640, 640))
    gt = torch.tensor([[100.0, 100.0, 40.0, 24.0]])
    both = in_box_mask(gt, grid.centers)[0] & in_center_mask(gt, grid.centers, grid.strides, 2.5)[0]  # (A,)
    expect_answer(ex.in_box_and_center(), level_counts(grid, both)[0], "in_box_and_center")


@pytest.mark.points(2)
@pytest.mark.hint("the region's half-side is 1.5 strides = 48 px; stride-32 points sit at 16 + 32k, and a point "
                  "exactly on the region's edge is outside")
def test_geometry_points(ex):
    grid = make_grid((640, 640))
    region = in_center_mask(torch.tensor([[320.0, 320.0, 200.0, 200.0]]), grid.centers, grid.strides, 1.5)[0]
    expect_answer(ex.geometry_points(), level_counts(grid, region)[2], "geometry_points")
