"""Grading: boxes (notebook 01), decode and nms (notebook 04)."""

from __future__ import annotations

import torch
from torchvision.ops import batched_nms as tv_batched_nms
from torchvision.ops import box_convert, box_iou
from torchvision.ops import nms as tv_nms

from yolox_edu.boxes import cxcywh_to_xyxy, xyxy_to_cxcywh
from yolox_edu.decode import decode_boxes, flatten_levels
from yolox_edu.grading.harness import expect_tensor, expect_true, graded
from yolox_edu.grading.suites._util import distinct_scores, gen, random_cxcywh, random_xyxy
from yolox_edu.grid import make_grid

# ------------------------------------------------------------------------------------------------ boxes

CONVERT_HINT = ("work on the last dimension (boxes[..., 0] or boxes[..., :2]) so any leading dims work, and "
                "keep the input's dtype. Example: cxcywh (50, 40, 20, 10) ↔ xyxy (40, 35, 60, 45)")


@graded("boxes", 2, hint=CONVERT_HINT)
def cxcywh_to_xyxy_values(ex):
    for boxes in (random_cxcywh(6, 1), random_cxcywh(6, 2).reshape(2, 3, 4), random_cxcywh(4, 3).double()):
        expect_tensor(ex.cxcywh_to_xyxy(boxes.clone()), cxcywh_to_xyxy(boxes),
                      f"cxcywh_to_xyxy on {tuple(boxes.shape)} {boxes.dtype}")


@graded("boxes", 2, hint=CONVERT_HINT)
def xyxy_to_cxcywh_values(ex):
    for boxes in (random_xyxy(6, 4), random_xyxy(6, 5).reshape(3, 2, 4), random_xyxy(4, 6).double()):
        expect_tensor(ex.xyxy_to_cxcywh(boxes.clone()), xyxy_to_cxcywh(boxes),
                      f"xyxy_to_cxcywh on {tuple(boxes.shape)} {boxes.dtype}")


@graded("boxes", 2, hint="COCO's xywh is (left, top, width, height): the corner, not the center. "
                         "Example: xyxy (40, 35, 60, 45) ↔ xywh (40, 35, 20, 10)")
def coco_xywh_values(ex):
    boxes = random_xyxy(7, 7)
    expect_tensor(ex.xyxy_to_xywh(boxes.clone()), box_convert(boxes, "xyxy", "xywh"), "xyxy_to_xywh")
    xywh = box_convert(boxes, "xyxy", "xywh").double()
    expect_tensor(ex.xywh_to_xyxy(xywh.clone()), box_convert(xywh, "xywh", "xyxy"), "xywh_to_xyxy on float64")


@graded("boxes", 1, hint="build the result with torch.cat/torch.stack instead of writing into the input")
def conversions_empty_and_unchanged(ex):
    empty = torch.zeros(0, 4)
    for fn in ("cxcywh_to_xyxy", "xyxy_to_cxcywh", "xyxy_to_xywh", "xywh_to_xyxy"):
        expect_tensor(getattr(ex, fn)(empty), empty, f"{fn} on (0, 4) boxes (no boxes)")
        boxes = random_xyxy(3, 8)
        before = boxes.clone()
        getattr(ex, fn)(boxes)
        expect_true(torch.equal(boxes, before), f"{fn} changed its input boxes in place")


IOU_HINT = ("IoU = intersection / (area1 + area2 − intersection); the intersection's width and height are "
            "clamped at 0 for boxes that do not overlap; broadcast (N, 1, 2) against (1, M, 2) to get (N, M). "
            "Example: (0, 0, 2, 2) and (1, 0, 3, 2) → 2 / 6 = 1/3")


@graded("boxes", 3, hint=IOU_HINT)
def pairwise_iou_random(ex):
    for seed, (n, m) in enumerate([(7, 5), (1, 9), (12, 1)]):
        a, b = random_xyxy(n, 10 + seed), random_xyxy(m, 20 + seed)
        expect_tensor(ex.pairwise_iou(a, b), box_iou(a, b), f"pairwise_iou of ({n}, 4) and ({m}, 4) boxes")


@graded("boxes", 2, hint=IOU_HINT)
def pairwise_iou_edge_cases(ex):
    a = torch.tensor([[10.0, 10, 20, 20], [0, 0, 10, 10], [30, 30, 40, 50]])
    b = torch.tensor([[10.0, 10, 20, 20], [10, 0, 20, 10], [50, 50, 60, 60], [32, 32, 38, 38]])
    expect_tensor(ex.pairwise_iou(a, b), box_iou(a, b),
                  "pairwise_iou with identical, edge-touching, far-apart and nested boxes")


@graded("boxes", 1, hint="with N = 0 boxes the result is an empty (0, M) tensor, not an error")
def pairwise_iou_no_boxes(ex):
    b = random_xyxy(3, 30)
    expect_tensor(ex.pairwise_iou(torch.zeros(0, 4), b), torch.zeros(0, 3), "pairwise_iou of (0, 4) and (3, 4)")
    expect_tensor(ex.pairwise_iou(b, torch.zeros(0, 4)), torch.zeros(3, 0), "pairwise_iou of (3, 4) and (0, 4)")


# ----------------------------------------------------------------------------------------------- decode

GRID_HINT = ("per stride s the grid is (H/s) × (W/s) cells, row-major: row j outer, column i inner, cells as "
             "(i, j) = (column, row); levels one after the other. torch.meshgrid(..., indexing='ij') gives rows "
             "first. Example: (64, 64) with strides (32,) → cells (0,0), (1,0), (0,1), (1,1)")


@graded("decode", 2, hint=GRID_HINT)
def grid_points_640(ex):
    ref = make_grid((640, 640))
    cells, strides = ex.grid_points((640, 640))
    expect_tensor(cells, ref.cells, "cells for a 640×640 input (8400 points)")
    expect_tensor(strides, ref.strides, "strides for a 640×640 input")


@graded("decode", 2, hint=GRID_HINT + "; H and W may differ")
def grid_points_non_square(ex):
    for hw, strides in (((256, 384), (8, 16, 32)), ((96, 64), (16, 32))):
        ref = make_grid(hw, strides)
        cells, point_strides = ex.grid_points(hw, strides)
        expect_tensor(cells, ref.cells, f"cells for input {hw} with strides {strides}")
        expect_tensor(point_strides, ref.strides, f"strides for input {hw} with strides {strides}")


@graded("decode", 2, hint="flatten each (B, K, h, w) map to (B, K, h·w), concatenate levels on the last dim, "
                          "then move K last → (B, A, K)")
def flatten_levels_values(ex):
    g = gen(40)
    maps = [torch.randn(2, 7, h, w, generator=g) for h, w in ((8, 12), (4, 6), (2, 3))]
    expect_tensor(ex.flatten_levels(maps), flatten_levels(maps), "flatten_levels of 3 levels, B=2, K=7")


DECODE_HINT = ("cx = (tx + i)·s and cy = (ty + j)·s (the offset is added BEFORE multiplying by the stride), "
               "w = exp(tw)·s, h = exp(th)·s. Example: tx = ty = 0.5, tw = th = 0 at cell (i, j) = (1, 0), "
               "s = 8 → (12, 4, 8, 8)")


@graded("decode", 3, hint=DECODE_HINT)
def decode_boxes_values(ex):
    grid = make_grid((128, 96))
    reg = torch.randn(2, grid.num_points, 4, generator=gen(41))
    expect_tensor(ex.decode_boxes(reg.clone(), grid.cells, grid.strides), decode_boxes(reg, grid),
                  "decode_boxes on (2, A, 4) raw outputs", rtol=1e-5, atol=1e-4)


@graded("decode", 1, hint="keep the input's dtype (build constants with dtype=reg.dtype) and handle B = 0")
def decode_boxes_dtype_and_empty_batch(ex):
    grid = make_grid((64, 64), dtype=torch.float64)
    reg = torch.randn(1, grid.num_points, 4, generator=gen(42), dtype=torch.float64)
    expect_tensor(ex.decode_boxes(reg, grid.cells, grid.strides), decode_boxes(reg, grid),
                  "decode_boxes on float64 input")
    empty = torch.zeros(0, grid.num_points, 4, dtype=torch.float64)
    expect_tensor(ex.decode_boxes(empty, grid.cells, grid.strides), empty, "decode_boxes on a batch of 0 images")


# -------------------------------------------------------------------------------------------------- nms

NMS_HINT = ("sort by score (highest first); keep the best, drop every remaining box whose IoU with it is "
            "strictly greater than the threshold, repeat. Return int64 indices into the ORIGINAL boxes, best first")


def clustered(n: int, seed: int) -> torch.Tensor:
    """Boxes in a few clusters, so that NMS has real work to do."""
    g = gen(seed)
    centers = torch.rand(4, 2, generator=g) * 80  # (4, 2)
    pick = torch.randint(0, 4, (n,), generator=g)  # (n,)
    low = centers[pick] + torch.randn(n, 2, generator=g) * 4  # (n, 2)
    side = 15 + torch.rand(n, 2, generator=g) * 10  # (n, 2)
    return torch.cat((low, low + side), dim=1)  # (n, 4)


@graded("nms", 3, hint=NMS_HINT)
def nms_random(ex):
    for seed, thresh in ((50, 0.5), (51, 0.3), (52, 0.7)):
        boxes, scores = clustered(40, seed), distinct_scores(40, seed)
        expect_tensor(ex.nms(boxes.clone(), scores.clone(), thresh), tv_nms(boxes, scores, thresh),
                      f"nms kept indices (40 boxes, threshold {thresh})")


@graded("nms", 1, hint="a box is removed only when its IoU is strictly GREATER than the threshold (> not >=)")
def nms_iou_equal_to_threshold(ex):
    boxes = torch.tensor([[0.0, 0, 3, 1], [1, 0, 4, 1], [0, 5, 2, 7]])  # boxes 0 and 1: IoU exactly 0.5
    scores = torch.tensor([0.9, 0.8, 0.7])
    expect_tensor(ex.nms(boxes, scores, 0.5), tv_nms(boxes, scores, 0.5), "nms with an IoU equal to the threshold")


@graded("nms", 1, hint="with no boxes return torch.zeros(0, dtype=torch.int64); one box is always kept")
def nms_no_box_and_one_box(ex):
    expect_tensor(ex.nms(torch.zeros(0, 4), torch.zeros(0), 0.5), torch.zeros(0, dtype=torch.int64),
                  "nms of no boxes")
    expect_tensor(ex.nms(torch.tensor([[1.0, 2, 3, 4]]), torch.tensor([0.3]), 0.5), torch.zeros(1, dtype=torch.int64),
                  "nms of one box")


@graded("nms", 3, hint="run nms per class (labels == c) and map the kept positions back to the original "
                       "indices; then order all kept boxes by score, highest first")
def batched_nms_random(ex):
    for seed in (60, 61):
        boxes, scores = clustered(50, seed), distinct_scores(50, seed)
        labels = torch.randint(0, 3, (50,), generator=gen(seed))
        expect_tensor(ex.batched_nms(boxes, scores, labels, 0.5), tv_batched_nms(boxes, scores, labels, 0.5),
                      "batched_nms kept indices (50 boxes, 3 classes)")


@graded("nms", 1, hint="boxes of different classes never suppress each other; no boxes → an empty int64 tensor")
def batched_nms_classes_and_empty(ex):
    boxes = torch.tensor([[0.0, 0, 10, 10], [0, 0, 10, 10]])
    scores, labels = torch.tensor([0.9, 0.8]), torch.tensor([0, 1])
    expect_tensor(ex.batched_nms(boxes, scores, labels, 0.5), tv_batched_nms(boxes, scores, labels, 0.5),
                  "batched_nms of two identical boxes of different classes")
    expect_tensor(ex.batched_nms(torch.zeros(0, 4), torch.zeros(0), torch.zeros(0, dtype=torch.int64), 0.5),
                  torch.zeros(0, dtype=torch.int64), "batched_nms of no boxes")
