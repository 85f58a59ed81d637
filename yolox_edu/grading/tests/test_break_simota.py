"""Grading tests of exercises/break_simota.py: the learner's scenes run through the library's assigners."""

from __future__ import annotations

import pytest
import torch

from yolox_edu.assign import center_assign, simota_assign
from yolox_edu.boxes import cxcywh_to_xyxy, pairwise_iou
from yolox_edu.grading.checks import expect
from yolox_edu.grid import make_grid

EXERCISE = "break_simota"
IMAGE = 128
PRED_SIZE = 32.0  # every point predicts a PRED_SIZE × PRED_SIZE box centred on itself
MAX_IOU = 0.5


def valid_scene(boxes, name: str) -> torch.Tensor:
    """The learner's boxes after checking the scene's rules (each broken rule has its own message)."""
    expect(isinstance(boxes, torch.Tensor) and boxes.ndim == 2 and boxes.shape[1] == 4,
           f"{name} must return a (G, 4) tensor of cxcywh boxes")
    expect(boxes.dtype == torch.float32, f"{name}: the boxes must be float32, got {boxes.dtype}")
    expect(2 <= len(boxes) <= 10, f"{name}: {len(boxes)} gts; a scene has 2 to 10")
    expect(bool(boxes.isfinite().all()), f"{name}: the boxes hold NaN or inf")
    xyxy = cxcywh_to_xyxy(boxes)
    expect(bool((xyxy[:, :2] >= 0).all() and (xyxy[:, 2:] <= IMAGE).all()), f"{name}: a box leaves the image")
    expect(bool(((boxes[:, 2:] >= 8) & (boxes[:, 2:] <= IMAGE)).all()), f"{name}: a side outside 8..128 px")
    iou = pairwise_iou(boxes, boxes).fill_diagonal_(0)  # (G, G)
    expect(float(iou.max()) <= MAX_IOU, f"{name}: two gts overlap with IoU {float(iou.max()):.2f} > {MAX_IOU}")
    return boxes


def run(rule, boxes: torch.Tensor, **kwargs) -> list[int]:
    """Positives per gt when the library's ``rule`` assigns the fixed predictions to ``boxes``."""
    grid = make_grid((IMAGE, IMAGE))
    a = grid.num_points
    pred = torch.cat((grid.centers, torch.full((a, 2), PRED_SIZE)), dim=1)  # (A, 4)
    result = rule(pred, torch.zeros(a, 1), torch.zeros(a), boxes, torch.zeros(len(boxes), dtype=torch.long), grid,
                  **kwargs)
    return torch.bincount(result.matched_gt[result.fg_mask], minlength=len(boxes)).tolist()


@pytest.mark.points(1)
@pytest.mark.hint("2 to 10 boxes (cx, cy, w, h) inside 0..128, sides 8..128 px, pairwise IoU <= 0.5")
def test_scenes_follow_the_rules(ex):
    valid_scene(ex.simota_scene(), "simota_scene")
    valid_scene(ex.center_3x3_scene(), "center_3x3_scene")


@pytest.mark.points(3)
@pytest.mark.hint("a gt loses a point when another gt claims it at a lower cost. Make the points one gt wants (its "
                  "few cheapest) also the cheapest points of a gt that overlaps the predictions better")
def test_simota_scene_starves_a_gt(ex):
    counts = run(simota_assign, valid_scene(ex.simota_scene(), "simota_scene"))
    expect(min(counts) == 0, f"simota_assign gives your gts {counts} positives; every gt still has one")


@pytest.mark.points(2)
@pytest.mark.hint("center-3x3 puts a gt on one level by its size and takes the 3 × 3 cells around its center; "
                  "a cell claimed twice goes to the smaller gt")
def test_center_3x3_scene_starves_a_gt(ex):
    counts = run(center_assign, valid_scene(ex.center_3x3_scene(), "center_3x3_scene"), patch=3)
    expect(min(counts) == 0, f"center-3x3 gives your gts {counts} positives; every gt still has one")
