"""Grading tests of exercises/cocoeval_lite.py, against pycocotools' COCOeval itself."""

from __future__ import annotations

import contextlib
import io

import numpy as np
import pytest
from pycocotools import mask as mask_utils
from pycocotools.coco import COCO
from pycocotools.cocoeval import COCOeval

from yolox_edu.grading.checks import expect, expect_array, expect_close

EXERCISE = "cocoeval_lite"


def pycocotools_ap(images: list[dict], iou_thresh: float, max_dets: int) -> float:
    """AP of one category at one IoU threshold, area "all", by pycocotools (−1 without normal gts)."""
    gt = {"images": [{"id": i + 1, "width": 200, "height": 200} for i in range(len(images))],
          "categories": [{"id": 1, "name": "thing"}], "annotations": []}
    dets = []
    for i, im in enumerate(images):
        for box, crowd in zip(im["gt_boxes"], im["iscrowd"]):
            gt["annotations"].append({"id": len(gt["annotations"]) + 1, "image_id": i + 1, "category_id": 1,
                                      "bbox": [float(v) for v in box], "area": float(box[2] * box[3]),
                                      "iscrowd": int(crowd)})
        dets += [{"image_id": i + 1, "category_id": 1, "bbox": [float(v) for v in box], "score": float(s)}
                 for box, s in zip(im["det_boxes"], im["det_scores"])]
    with contextlib.redirect_stdout(io.StringIO()):
        coco = COCO()
        coco.dataset = gt
        coco.createIndex()
        result = coco.loadRes(dets) if dets else COCO()
        if not dets:
            result.dataset = {"images": gt["images"], "categories": gt["categories"], "annotations": []}
            result.createIndex()
        ev = COCOeval(coco, result, "bbox")
        ev.params.iouThrs, ev.params.maxDets = np.array([iou_thresh]), [max_dets]
        ev.params.areaRng, ev.params.areaRngLbl = [[0, 1e10]], ["all"]
        ev.evaluate()
        ev.accumulate()
    precision = ev.eval["precision"][0, :, 0, 0, 0]  # (R,)
    return float(precision.mean()) if (precision > -1).any() else -1.0


def scene(rng: np.random.Generator, num_gt: int, num_crowd: int, num_det: int) -> dict:
    """An image with gts (some crowds) and detections near them, plus a few strays."""
    gts = np.concatenate([rng.uniform(0, 120, (num_gt + num_crowd, 2)), rng.uniform(8, 60, (num_gt + num_crowd, 2))], 1)
    crowd = np.zeros(num_gt + num_crowd, bool)
    crowd[rng.permutation(num_gt + num_crowd)[:num_crowd]] = True
    near = gts[rng.integers(0, len(gts), num_det)] if len(gts) else np.zeros((num_det, 4)) + 50
    dets = near + rng.normal(0, 4, (num_det, 4)) * [1, 1, 0.5, 0.5]
    dets[:, 2:] = np.abs(dets[:, 2:]) + 2
    strays = num_det // 5
    dets[:strays] = np.concatenate([rng.uniform(0, 150, (strays, 2)), rng.uniform(5, 30, (strays, 2))], 1)
    return {"det_boxes": dets, "det_scores": np.round(rng.uniform(0, 1, num_det), 2),  # rounded: ties happen
            "gt_boxes": gts, "iscrowd": crowd}


@pytest.mark.points(2)
@pytest.mark.hint("for a crowd the denominator is the detection's area, not the union; check both kinds against "
                  "the docstring's example")
def test_crowd_iou_random(ex):
    rng = np.random.default_rng(1)
    im = scene(rng, 5, 3, 12)
    want = mask_utils.iou(im["det_boxes"].tolist(), im["gt_boxes"].tolist(), im["iscrowd"].astype(np.uint8).tolist())
    expect_array(np.asarray(ex.crowd_iou(im["det_boxes"], im["gt_boxes"], im["iscrowd"]), float), np.asarray(want),
                 "crowd_iou of 12 detections with 5 gts and 3 crowds", check_dtype=False)


@pytest.mark.points(2)
@pytest.mark.hint("a detection on a crowd is ignored (neither TP nor FP); a normal gt takes one detection only; "
                  "only the best max_dets detections take part")
def test_evaluate_image_crowd_and_max_dets(ex):
    gts, crowd = np.array([[0.0, 0, 10, 10], [50, 50, 40, 40]]), np.array([False, True])
    dets = np.array([[60.0, 60, 5, 5], [0, 0, 10, 10], [1, 0, 10, 10], [70, 70, 8, 8]])
    scores = np.array([0.7, 0.9, 0.8, 0.6])
    got = ex.evaluate_image(dets, scores, gts, crowd, 0.5, 3)
    expect(isinstance(got, tuple) and len(got) == 4, "evaluate_image returns (scores, is_tp, ignored, num_gt)")
    s, tp, ig, n = got
    expect_array(np.asarray(s, float), np.array([0.9, 0.8, 0.7]), "scores kept (max_dets 3)", check_dtype=False)
    expect_array(np.asarray(tp, bool), np.array([True, False, False]), "is_tp", check_dtype=False)
    expect_array(np.asarray(ig, bool), np.array([False, False, True]), "ignored", check_dtype=False)
    expect(int(n) == 1, "num_gt must count the normal gts only")


@pytest.mark.points(1)
@pytest.mark.hint("a detection that matches a normal gt never goes to a crowd, even one it overlaps more; "
                  "a crowd can take any number of detections")
def test_evaluate_image_prefers_normal_gts(ex):
    gts, crowd = np.array([[0.0, 0, 100, 100], [0, 0, 12, 10]]), np.array([True, False])
    dets = np.array([[0.0, 0, 10, 10], [0, 0, 10, 10], [5, 5, 10, 10]])
    _, tp, ig, n = ex.evaluate_image(dets, np.array([0.9, 0.8, 0.7]), gts, crowd, 0.5, 100)
    expect_array(np.asarray(tp, bool), np.array([True, False, False]), "is_tp with a crowd around a normal gt",
                 check_dtype=False)
    expect_array(np.asarray(ig, bool), np.array([False, True, True]), "ignored with a crowd around a normal gt",
                 check_dtype=False)


@pytest.mark.points(1)
@pytest.mark.hint("an overlap exactly at the threshold matches; between two normal gts with the same overlap the "
                  "later gt wins (as in pycocotools), which can leave the earlier one for another detection")
def test_evaluate_image_exact_threshold_and_ties(ex):
    gts, crowd = np.array([[0.0, 0, 4, 1], [0, 1, 4, 1]]), np.array([False, False])
    dets = np.array([[0.0, 0, 4, 2], [0, 1, 4, 1]])  # det 0: IoU 0.5 with both gts; det 1: only gt 1
    _, tp, ig, _ = ex.evaluate_image(dets, np.array([0.9, 0.8]), gts, crowd, 0.5, 100)
    expect_array(np.asarray(tp, bool), np.array([True, False]), "is_tp with an overlap at the threshold, tied gts",
                 check_dtype=False)
    images = [{"det_boxes": dets, "det_scores": np.array([0.9, 0.8]), "gt_boxes": gts, "iscrowd": crowd}]
    expect_close(ex.average_precision(images, 0.5, 100), pycocotools_ap(images, 0.5, 100),
                 "AP with an overlap at the threshold and tied gts", atol=1e-9)


@pytest.mark.points(3)
@pytest.mark.hint("pool the images' counted detections by score before the curve; leave the ignored ones out; "
                  "take the best precision at each recall level or beyond")
def test_average_precision_matches_pycocotools(ex):
    rng = np.random.default_rng(2)
    for t, max_dets in ((0.5, 100), (0.75, 10), (0.5, 3)):
        images = [scene(rng, int(rng.integers(0, 6)), int(rng.integers(0, 3)), int(rng.integers(0, 15)))
                  for _ in range(6)]
        expect_close(ex.average_precision(images, t, max_dets), pycocotools_ap(images, t, max_dets),
                     f"AP of 6 images at IoU {t}, max_dets {max_dets}", atol=1e-9)
    images = tied_images(np.random.default_rng(0))
    expect_close(ex.average_precision(images, 0.5, 100), pycocotools_ap(images, 0.5, 100),
                 "AP of images whose detections share scores across images (0.1 steps)", atol=1e-9)


def tied_images(rng: np.random.Generator) -> list[dict]:
    """2–5 images, each a row of gts with detections on half of them and beside the rest, scores rounded to
    0.1 so that many tie across images: the pooled order of equal scores decides the curve."""
    images = []
    for _ in range(int(rng.integers(2, 6))):
        n = int(rng.integers(1, 15))
        gts = np.array([[10.0 * k, 0, 8, 8] for k in range(n)])
        hit = rng.random(n) < 0.5
        images.append(dict(det_boxes=np.where(hit[:, None], gts, gts + [0, 50, 0, 0]),
                           det_scores=np.round(rng.uniform(0, 1, n), 1), gt_boxes=gts, iscrowd=np.zeros(n, bool)))
    return images


@pytest.mark.points(1)
@pytest.mark.hint("no normal gt anywhere → −1.0 (as pycocotools); an image without detections still counts its gts")
def test_average_precision_empty_cases(ex):
    rng = np.random.default_rng(3)
    crowd_only = [scene(rng, 0, 2, 4)]
    expect_close(ex.average_precision(crowd_only, 0.5, 100), -1.0, "AP when every gt is a crowd")
    no_dets = [scene(rng, 3, 0, 0), scene(rng, 2, 1, 6)]
    expect_close(ex.average_precision(no_dets, 0.5, 100), pycocotools_ap(no_dets, 0.5, 100),
                 "AP when an image has no detections", atol=1e-9)
