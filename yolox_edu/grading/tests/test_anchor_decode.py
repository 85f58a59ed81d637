"""Grading tests of exercises/anchor_decode.py, against ``yolox_edu.decode.decode_anchor_boxes``."""

from __future__ import annotations

import pytest
import torch

from yolox_edu.anchors import make_anchor_grid, parse_anchors
from yolox_edu.decode import decode_anchor_boxes
from yolox_edu.grading.checks import expect, expect_tensor, gen

EXERCISE = "anchor_decode"


def grid(size=(96, 64), dtype=torch.float32):
    return make_anchor_grid(parse_anchors("yolov3"), size, dtype=dtype)


@pytest.mark.points(3)
@pytest.mark.hint("which part of the raw output is squashed so the center stays in its cell, and what does the "
                  "size scale: the stride or the anchor?")
def test_decode_matches_the_library(ex):
    g = grid()
    reg = torch.randn(2, g.num_points, 4, generator=gen(1)) * 2
    expect_tensor(ex.decode_anchor_boxes(reg.clone(), g.cells, g.strides, g.anchor_wh), decode_anchor_boxes(reg, g),
                  "decode_anchor_boxes on (2, N, 4) raw outputs (3 levels × 3 anchors)", atol=1e-4, rtol=1e-5)


@pytest.mark.points(1)
@pytest.mark.hint("large tw, th are capped before the exponential (no inf); keep reg's dtype; N = 0 works")
def test_decode_extremes_dtype_and_empty(ex):
    g = grid((64, 64), torch.float64)
    reg = torch.randn(1, g.num_points, 4, generator=gen(2), dtype=torch.float64) * 30  # tw up to ~100
    expect_tensor(ex.decode_anchor_boxes(reg, g.cells, g.strides, g.anchor_wh), decode_anchor_boxes(reg, g),
                  "decode_anchor_boxes of float64 outputs as large as ±100", rtol=1e-9)
    out32 = ex.decode_anchor_boxes(reg.float(), g.cells, g.strides, g.anchor_wh)  # float32 reg, float64 grid
    expect(out32.dtype == torch.float32, f"float32 raw outputs with a float64 grid gave {out32.dtype}, not float32")
    empty = torch.zeros(3, 0, 4)
    expect_tensor(ex.decode_anchor_boxes(empty, torch.zeros(0, 2), torch.zeros(0), torch.zeros(0, 2)), empty,
                  "decode_anchor_boxes of no predictions")


def boxes_in_cells(g, seed: int, dtype=torch.float32) -> torch.Tensor:
    """(1, N, 4): a box per prediction with its center strictly inside the cell, 0.2 to 5 anchors wide."""
    n = g.num_points
    offset = 0.02 + torch.rand(1, n, 2, generator=gen(seed), dtype=dtype) * 0.96  # (1, N, 2) in (0, 1)
    centers = (g.cells.to(dtype) + offset) * g.strides.to(dtype)[:, None]
    sizes = g.anchor_wh.to(dtype) * (0.2 + torch.rand(1, n, 2, generator=gen(seed + 1), dtype=dtype) * 4.8)
    return torch.cat((centers, sizes), dim=-1)


@pytest.mark.points(3)
@pytest.mark.hint("undo each step of the decoding in reverse order; the inverse of the logistic function is the "
                  "logit")
def test_encode_then_decode_round_trip(ex):
    g = grid()
    boxes = boxes_in_cells(g, 3)
    raw = ex.encode_anchor_boxes(boxes.clone(), g.cells, g.strides, g.anchor_wh)
    expect(isinstance(raw, torch.Tensor) and raw.shape == boxes.shape, "encode_anchor_boxes must return (..., N, 4)")
    expect_tensor(decode_anchor_boxes(raw, g), boxes, "decode_anchor_boxes(encode_anchor_boxes(boxes))", atol=1e-3,
                  rtol=1e-4)


@pytest.mark.points(1)
@pytest.mark.hint("keep the boxes' dtype; no predictions → a (..., 0, 4) result")
def test_encode_dtype_and_empty(ex):
    g = grid((64, 32), torch.float64)
    boxes = boxes_in_cells(g, 5, torch.float64)
    expect_tensor(decode_anchor_boxes(ex.encode_anchor_boxes(boxes, g.cells, g.strides, g.anchor_wh), g), boxes,
                  "round trip on float64 boxes", atol=1e-8, rtol=1e-8)
    raw32 = ex.encode_anchor_boxes(boxes.float(), g.cells, g.strides, g.anchor_wh)  # float32 boxes, float64 grid
    expect(raw32.dtype == torch.float32, f"float32 boxes with a float64 grid gave {raw32.dtype}, not float32")
    expect_tensor(ex.encode_anchor_boxes(torch.zeros(2, 0, 4), torch.zeros(0, 2), torch.zeros(0), torch.zeros(0, 2)),
                  torch.zeros(2, 0, 4), "encode_anchor_boxes of no boxes")
