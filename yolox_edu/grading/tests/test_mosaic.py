"""Grading tests of exercises/mosaic.py."""

from __future__ import annotations

import numpy as np
import pytest

from yolox_edu.data.augment import clip_boxes
from yolox_edu.data.mosaic_mixup import mosaic
from yolox_edu.grading.checks import expect, expect_array

EXERCISE = "mosaic"


def random_boxes(n: int, rng: np.random.Generator, h: int, w: int) -> np.ndarray:
    """(n, 4) float32 xyxy boxes inside an (h, w) image."""
    low = rng.uniform(0, 0.7, (n, 2)) * (w, h)
    side = rng.uniform(0.05, 0.3, (n, 2)) * (w, h)
    return np.concatenate([low, low + side], axis=1).astype(np.float32)


@pytest.mark.points(2)
@pytest.mark.hint("draw the four tiles around the center; sizes are (h, w) and the center (yc, xc), but the "
                  "offset is (ox, oy): x first")
def test_tile_offset_all_tiles(ex):
    for tile_hw, center in (((37, 53), (71, 90)), ((64, 30), (40, 100))):
        h, w = tile_hw
        yc, xc = center
        want = [(xc - w, yc - h), (xc, yc - h), (xc - w, yc), (xc, yc)]
        for k in range(4):
            got = ex.tile_offset(k, tile_hw, center)
            expect(tuple(int(v) for v in got) == want[k] and len(got) == 2,
                        f"tile_offset of tile {k} (size {tile_hw}, center {center}) is not where the tile lands")


@pytest.mark.points(1)
@pytest.mark.hint("x coordinates move with ox and y with oy, after the resize; return a new float32 array")
def test_shift_boxes_values(ex):
    boxes = random_boxes(5, np.random.default_rng(140), 50, 80)
    before = boxes.copy()
    got = ex.shift_boxes(boxes, 0.75, (13, -7))
    expect_array(got, (boxes * 0.75 + np.array([13, -7, 13, -7], np.float32)).astype(np.float32),
                 "shift_boxes with scale 0.75, offset (13, -7)", atol=1e-4)
    expect(np.array_equal(boxes, before), "shift_boxes changed its input in place; work on a copy")


@pytest.mark.points(2)
@pytest.mark.hint("hw is (h, w), height first, while a box is (x1, y1, x2, y2); boxes fully outside stay, "
                  "squashed to zero width or height")
def test_clip_boxes_border(ex):
    boxes = np.array([[-10, 5, 30, 40], [90, 70, 130, 99], [-20, -20, -5, -5], [0, 0, 100, 60], [10, 10, 20, 20]],
                     np.float32)
    before = boxes.copy()
    expect_array(ex.clip_boxes(boxes, (60, 100)), clip_boxes(boxes, (60, 100)),
                 "clip_boxes to a 60×100 (h×w) canvas: boxes crossing, outside and touching the border")
    expect(np.array_equal(boxes, before), "clip_boxes changed its input in place; work on a copy")


MOSAIC_HINT = ("the largest resize that fits (H, W) keeps the aspect ratio: the SMALLER of the two ratios; the "
               "tile's size rounds down, the boxes use the exact factor; clip once, on the (2H, 2W) canvas")


@pytest.mark.points(3)
@pytest.mark.hint(MOSAIC_HINT)
def test_mosaic_boxes_match_library(ex):
    rng = np.random.default_rng(141)
    for input_hw in ((64, 64), (48, 80)):
        hws = [(int(rng.integers(20, 90)), int(rng.integers(20, 90))) for _ in range(4)]
        boxes = [random_boxes(int(rng.integers(1, 5)), rng, h, w) for h, w in hws]
        center = (int(rng.uniform(0.5, 1.5) * input_hw[0]), int(rng.uniform(0.5, 1.5) * input_hw[1]))
        images = [np.zeros((h, w, 3), np.uint8) for h, w in hws]
        _, want, _ = mosaic(images, boxes, [np.zeros(len(b), np.int64) for b in boxes], input_hw, center)
        got = ex.mosaic_boxes([b.copy() for b in boxes], hws, input_hw, center)
        expect_array(got, want, f"mosaic_boxes for input {input_hw}, center {center}", atol=1e-3)
    hws = [(30, 45), (45, 30), (23, 37), (37, 23)]  # scaled sizes with fractions >= 0.5: rounding down matters
    boxes = [np.array([[0.0, 0.0, 10.0, 10.0], [5.0, 3.0, 20.0, 21.0]], np.float32) for _ in hws]
    _, want, _ = mosaic([np.zeros((h, w, 3), np.uint8) for h, w in hws], boxes,
                        [np.zeros(len(b), np.int64) for b in boxes], (64, 64), (64, 64))
    expect_array(ex.mosaic_boxes([b.copy() for b in boxes], hws, (64, 64), (64, 64)), want,
                 "mosaic_boxes of images 30×45, 45×30, 23×37, 37×23 into 64×64, center (64, 64)", atol=1e-3)


@pytest.mark.points(1)
@pytest.mark.hint(MOSAIC_HINT + "; an image without boxes has a (0, 4) array; a center at the canvas edge "
                                        "pushes tiles outside, their boxes are clipped, not dropped")
def test_mosaic_boxes_empty_tile_and_edge_center(ex):
    rng = np.random.default_rng(142)
    hws = [(40, 50), (30, 30), (64, 20), (50, 50)]
    boxes = [random_boxes(2, rng, *hws[0]), np.zeros((0, 4), np.float32), random_boxes(3, rng, *hws[2]),
             random_boxes(1, rng, *hws[3])]
    center = (32, 127)  # xc at the right edge of a 128-wide canvas
    _, want, _ = mosaic([np.zeros((h, w, 3), np.uint8) for h, w in hws], boxes,
                        [np.zeros(len(b), np.int64) for b in boxes], (64, 64), center)
    expect_array(ex.mosaic_boxes(boxes, hws, (64, 64), center), want,
                 "mosaic_boxes with an image without boxes and the center at the canvas edge", atol=1e-3)
