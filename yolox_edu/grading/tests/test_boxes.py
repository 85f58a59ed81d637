"""Grading tests of exercises/boxes.py."""

from __future__ import annotations

import pytest
import torch
from torchvision.ops import box_convert, box_iou

from yolox_edu.boxes import cxcywh_to_xyxy, xyxy_to_cxcywh
from yolox_edu.grading.checks import expect, expect_tensor, random_cxcywh, random_xyxy

EXERCISE = "boxes"


CONVERT_HINT = ("any leading dims must work (a (2, 3, 4) batch of boxes), and the dtype stays the input's")


@pytest.mark.points(2)
@pytest.mark.hint(CONVERT_HINT)
def test_cxcywh_to_xyxy_values(ex):
    for boxes in (random_cxcywh(6, 1), random_cxcywh(6, 2).reshape(2, 3, 4), random_cxcywh(4, 3).double()):
        expect_tensor(ex.cxcywh_to_xyxy(boxes.clone()), cxcywh_to_xyxy(boxes),
                      f"cxcywh_to_xyxy on {tuple(boxes.shape)} {boxes.dtype}")


@pytest.mark.points(2)
@pytest.mark.hint(CONVERT_HINT)
def test_xyxy_to_cxcywh_values(ex):
    for boxes in (random_xyxy(6, 4), random_xyxy(6, 5).reshape(3, 2, 4), random_xyxy(4, 6).double()):
        expect_tensor(ex.xyxy_to_cxcywh(boxes.clone()), xyxy_to_cxcywh(boxes),
                      f"xyxy_to_cxcywh on {tuple(boxes.shape)} {boxes.dtype}")


@pytest.mark.points(2)
@pytest.mark.hint("COCO's xywh is (left, top, width, height): the corner, not the center. "
                         "Example: xyxy (40, 35, 60, 45) ↔ xywh (40, 35, 20, 10)")
def test_coco_xywh_values(ex):
    boxes = random_xyxy(7, 7)
    expect_tensor(ex.xyxy_to_xywh(boxes.clone()), box_convert(boxes, "xyxy", "xywh"), "xyxy_to_xywh")
    xywh = box_convert(boxes, "xyxy", "xywh").double()
    expect_tensor(ex.xywh_to_xyxy(xywh.clone()), box_convert(xywh, "xywh", "xyxy"), "xywh_to_xyxy on float64")
    batched = boxes[:6].reshape(2, 3, 4)  # (..., 4): any leading dims, or none
    for name, fn, fmt in (("xyxy_to_xywh", ex.xyxy_to_xywh, ("xyxy", "xywh")),
                          ("xywh_to_xyxy", ex.xywh_to_xyxy, ("xywh", "xyxy"))):
        expect_tensor(fn(batched.clone()), box_convert(batched.reshape(-1, 4), *fmt).reshape(2, 3, 4),
                      f"{name} of (2, 3, 4) boxes")
        expect_tensor(fn(boxes[0].clone()), box_convert(boxes[:1], *fmt)[0], f"{name} of one (4,) box")


@pytest.mark.points(1)
@pytest.mark.hint("build the result with torch.cat/torch.stack instead of writing into the input")
def test_conversions_empty_and_unchanged(ex):
    empty = torch.zeros(0, 4)
    for fn in ("cxcywh_to_xyxy", "xyxy_to_cxcywh", "xyxy_to_xywh", "xywh_to_xyxy"):
        expect_tensor(getattr(ex, fn)(empty), empty, f"{fn} on (0, 4) boxes (no boxes)")
        boxes = random_xyxy(3, 8)
        before = boxes.clone()
        getattr(ex, fn)(boxes)
        expect(torch.equal(boxes, before), f"{fn} changed its input boxes in place")


IOU_HINT = ("two boxes that do not overlap have no intersection, never a negative one; the result is (N, M): "
            "every box of the first set against every box of the second")


@pytest.mark.points(3)
@pytest.mark.hint(IOU_HINT)
def test_pairwise_iou_random(ex):
    for seed, (n, m) in enumerate([(7, 5), (1, 9), (12, 1)]):
        a, b = random_xyxy(n, 10 + seed), random_xyxy(m, 20 + seed)
        expect_tensor(ex.pairwise_iou(a, b), box_iou(a, b), f"pairwise_iou of ({n}, 4) and ({m}, 4) boxes")


@pytest.mark.points(2)
@pytest.mark.hint(IOU_HINT)
def test_pairwise_iou_edge_cases(ex):
    a = torch.tensor([[10.0, 10, 20, 20], [0, 0, 10, 10], [30, 30, 40, 50]])
    b = torch.tensor([[10.0, 10, 20, 20], [10, 0, 20, 10], [50, 50, 60, 60], [32, 32, 38, 38]])
    expect_tensor(ex.pairwise_iou(a, b), box_iou(a, b),
                  "pairwise_iou with identical, edge-touching, far-apart and nested boxes")


@pytest.mark.points(1)
@pytest.mark.hint("with N = 0 boxes the result is an empty (0, M) tensor, not an error")
def test_pairwise_iou_no_boxes(ex):
    b = random_xyxy(3, 30)
    expect_tensor(ex.pairwise_iou(torch.zeros(0, 4), b), torch.zeros(0, 3), "pairwise_iou of (0, 4) and (3, 4)")
    expect_tensor(ex.pairwise_iou(b, torch.zeros(0, 4)), torch.zeros(3, 0), "pairwise_iou of (3, 4) and (0, 4)")
