"""Grading tests of exercises/center_sampling.py."""

from __future__ import annotations

import pytest
import torch

from yolox_edu.assign.sampling import candidate_mask, in_box_mask, in_center_mask
from yolox_edu.grading.checks import expect_tensor, random_cxcywh
from yolox_edu.grid import make_grid

EXERCISE = "center_sampling"


GRID = make_grid((160, 128))  # 320 + 80 + 20 = 420 points


@pytest.mark.points(1)
@pytest.mark.hint("a cell's index counts cells, not pixels; its middle is half a cell further on")
def test_point_centers_values(ex):
    expect_tensor(ex.point_centers(GRID.cells, GRID.strides), GRID.centers, "point_centers of a 160×128 grid")


IN_BOX_HINT = ("the box is given by its center and size; a point exactly on an edge is outside; the result is "
               "gt-first (G, A)")


@pytest.mark.points(2)
@pytest.mark.hint(IN_BOX_HINT)
def test_in_box_random(ex):
    gts = random_cxcywh(6, 100, size=128)
    expect_tensor(ex.in_box_mask(gts, GRID.centers), in_box_mask(gts, GRID.centers), "in_box_mask of 6 gts")


@pytest.mark.points(1)
@pytest.mark.hint(IN_BOX_HINT)
def test_in_box_edges_on_centers(ex):
    gts = torch.tensor([[12.0, 12, 16, 16], [64, 64, 48, 32], [0, 0, 8, 8]])  # edges through point centers
    expect_tensor(ex.in_box_mask(gts, GRID.centers), in_box_mask(gts, GRID.centers),
                  "in_box_mask with box edges exactly on point centers (and a box touching the border)")


IN_CENTER_HINT = ("whose stride sets the square's size: the gt's or the point's? Use the radius argument; an edge "
                  "is outside")


@pytest.mark.points(2)
@pytest.mark.hint(IN_CENTER_HINT)
def test_in_center_random(ex):
    gts = random_cxcywh(5, 101, size=128)
    for radius in (2.5, 1.5):
        expect_tensor(ex.in_center_mask(gts, GRID.centers, GRID.strides, radius),
                      in_center_mask(gts, GRID.centers, GRID.strides, radius), f"in_center_mask, radius {radius}")
    edges = torch.tensor([[24.0, 4.0, 10.0, 10.0], [40.0, 36.0, 6.0, 6.0]])  # squares' edges through point centers
    for radius in (2.5, 1.5):
        expect_tensor(ex.in_center_mask(edges, GRID.centers, GRID.strides, radius),
                      in_center_mask(edges, GRID.centers, GRID.strides, radius),
                      f"in_center_mask with the square's edges exactly on point centers, radius {radius}")


@pytest.mark.points(1)
@pytest.mark.hint("a candidate of the image is a candidate of at least one gt, by either region")
def test_candidates_random(ex):
    gts = random_cxcywh(4, 102, size=128)
    in_box, in_center = in_box_mask(gts, GRID.centers), in_center_mask(gts, GRID.centers, GRID.strides)
    expect_tensor(ex.candidate_mask(in_box, in_center), candidate_mask(in_box, in_center), "candidate_mask of 4 gts")


@pytest.mark.points(1)
@pytest.mark.hint("with G = 0 gts the masks are (0, A) and no point is a candidate")
def test_no_gt(ex):
    none = torch.zeros(0, 4)
    expect_tensor(ex.in_box_mask(none, GRID.centers), torch.zeros(0, GRID.num_points, dtype=torch.bool),
                  "in_box_mask with no gts")
    expect_tensor(ex.in_center_mask(none, GRID.centers, GRID.strides),
                  torch.zeros(0, GRID.num_points, dtype=torch.bool), "in_center_mask with no gts")
    empty = torch.zeros(0, GRID.num_points, dtype=torch.bool)
    expect_tensor(ex.candidate_mask(empty, empty), torch.zeros(GRID.num_points, dtype=torch.bool),
                  "candidate_mask with no gts")
