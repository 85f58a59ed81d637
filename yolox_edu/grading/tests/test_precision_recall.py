"""Grading tests of exercises/precision_recall.py."""

from __future__ import annotations

import numpy as np
import pytest

from yolox_edu.eval.ap import box_iou_xywh, match_detections
from yolox_edu.eval.ap import precision_recall as ref_precision_recall
from yolox_edu.grading.checks import expect, expect_array

EXERCISE = "precision_recall"


def random_xywh(n: int, rng: np.random.Generator) -> np.ndarray:
    return np.concatenate([rng.uniform(0, 80, (n, 2)), rng.uniform(5, 30, (n, 2))], axis=1)


def near(boxes: np.ndarray, rng: np.random.Generator, n: int) -> np.ndarray:
    """n detections jittered around random gts, so matching has hits, misses and duplicates."""
    picks = boxes[rng.integers(0, len(boxes), n)]
    return picks + rng.normal(0, 3, picks.shape) * [1, 1, 0.5, 0.5]


@pytest.mark.points(1)
@pytest.mark.hint("COCO boxes are (left, top, width, height); boxes that do not overlap have IoU 0")
def test_iou_xywh_random(ex):
    rng = np.random.default_rng(160)
    a, b = random_xywh(6, rng), random_xywh(4, rng)
    expect_array(ex.iou_xywh(a, b), box_iou_xywh(a, b), "iou_xywh of (6, 4) and (4, 4) boxes", check_dtype=False)
    got32 = ex.iou_xywh(a.astype(np.float32), b.astype(np.float32))
    expect(isinstance(got32, np.ndarray) and got32.dtype == np.float64, "iou_xywh of float32 boxes must be float64")


MATCH_HINT = ("detections are matched best score first, and a gt that is taken is gone; the result is in the "
              "detections' input order, -1 for unmatched")


@pytest.mark.points(3)
@pytest.mark.hint(MATCH_HINT)
def test_match_detections_random(ex):
    rng = np.random.default_rng(161)
    for thresh in (0.5, 0.75, 0.3):
        gts = random_xywh(5, rng)
        dets = near(gts, rng, 9)
        scores = rng.permutation(9) / 10 + 0.05
        got = ex.match_detections(dets, scores, gts, thresh)
        expect_array(got, match_detections(dets, scores, gts, thresh).astype(np.int64),
                     f"match_detections of 9 detections and 5 gts at IoU {thresh} ((D,) int64)")


@pytest.mark.points(1)
@pytest.mark.hint("two detections of one gt: only the higher-scoring one matches, the other is a "
                                    "false positive (-1)")
def test_match_duplicate_detection(ex):
    gts = np.array([[10.0, 10, 20, 20]])
    dets = np.array([[11.0, 10, 20, 20], [10, 10, 20, 20]])
    scores = np.array([0.4, 0.9])
    expect_array(np.asarray(ex.match_detections(dets, scores, gts, 0.5)), np.array([-1, 0]),
                 "match_detections with a duplicate detection", check_dtype=False)


@pytest.mark.points(1)
@pytest.mark.hint("with no detections or no gts return np.full(D, -1) (int64), no error")
def test_match_empty(ex):
    gts, dets = np.array([[0.0, 0, 10, 10]]), np.array([[0.0, 0, 10, 10], [50, 50, 5, 5]])
    expect_array(np.asarray(ex.match_detections(np.zeros((0, 4)), np.zeros(0), gts, 0.5)), np.zeros(0, np.int64),
                 "match_detections with no detections", check_dtype=False)
    expect_array(np.asarray(ex.match_detections(dets, np.array([0.5, 0.4]), np.zeros((0, 4)), 0.5)),
                 np.full(2, -1, np.int64), "match_detections with no gts", check_dtype=False)


@pytest.mark.points(1)
@pytest.mark.hint("an IoU exactly equal to the threshold matches (>=); equal IoUs with two gts: "
                                    "the LATER gt wins (as pycocotools)")
def test_match_ties(ex):
    gts = np.array([[0.0, 0, 4, 1], [0.0, 0, 4, 1]])  # identical gts: equal IoUs
    dets = np.array([[2.0, 0, 4, 1]])  # IoU with each gt exactly 2 / 6
    expect_array(np.asarray(ex.match_detections(dets, np.array([0.9]), gts, 1 / 3)),
                 match_detections(dets, np.array([0.9]), gts, 1 / 3), "match_detections with equal IoUs",
                 check_dtype=False)
    gts2 = np.array([[0.0, 0, 3, 1]])
    dets2 = np.array([[1.0, 0, 3, 1]])  # IoU exactly 0.5
    expect_array(np.asarray(ex.match_detections(dets2, np.array([0.9]), gts2, 0.5)), np.array([0]),
                 "match_detections with an IoU equal to the threshold", check_dtype=False)


PR_HINT = ("precision and recall AFTER each detection, best score first; equal scores keep their input order")


@pytest.mark.points(2)
@pytest.mark.hint(PR_HINT)
def test_precision_recall_random(ex):
    rng = np.random.default_rng(162)
    scores, is_tp = rng.permutation(30) / 31, rng.random(30) < 0.6
    got = ex.precision_recall(scores, is_tp, 25)
    want = ref_precision_recall(scores, is_tp, 25)
    expect(isinstance(got, tuple) and len(got) == 2, "precision_recall must return (precision, recall)")
    expect_array(np.asarray(got[0], float), want[0], "precision of 30 detections")
    expect_array(np.asarray(got[1], float), want[1], "recall of 30 detections")


@pytest.mark.points(1)
@pytest.mark.hint(PR_HINT + "; no detections → two empty arrays; num_gt = 0 → recall 0 "
                                              "(divide by max(num_gt, 1)); equal scores keep their input order")
def test_precision_recall_edge_cases(ex):
    rng = np.random.default_rng(163)
    many_ties = (rng.integers(1, 4, 60) / 4, rng.random(60) < 0.5, 40)  # 60 detections, 3 distinct scores
    cases = ((np.zeros(0), np.zeros(0, bool), 3), (np.array([0.5, 0.4]), np.array([False, False]), 0),
             (np.array([0.5, 0.5, 0.5, 0.9]), np.array([False, True, True, False]), 4), many_ties)
    for scores, is_tp, num_gt in cases:
        got, want = ex.precision_recall(scores, is_tp, num_gt), ref_precision_recall(scores, is_tp, num_gt)
        what = f"precision_recall with {len(scores)} detections, num_gt={num_gt}"
        expect_array(np.asarray(got[0], float), want[0], f"precision, {what}")
        expect_array(np.asarray(got[1], float), want[1], f"recall, {what}")
