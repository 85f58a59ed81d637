"""Grading: precision/recall from matched detections and 101-point AP (notebook 10)."""

from __future__ import annotations

import numpy as np

from yolox_edu.eval.ap import box_iou_xywh, interpolated_ap, interpolated_precision, match_detections
from yolox_edu.eval.ap import precision_recall as ref_precision_recall
from yolox_edu.grading.harness import expect_array, expect_close, expect_true, graded


def random_xywh(n: int, rng: np.random.Generator) -> np.ndarray:
    return np.concatenate([rng.uniform(0, 80, (n, 2)), rng.uniform(5, 30, (n, 2))], axis=1)


def near(boxes: np.ndarray, rng: np.random.Generator, n: int) -> np.ndarray:
    """n detections jittered around random gts, so matching has hits, misses and duplicates."""
    picks = boxes[rng.integers(0, len(boxes), n)]
    return picks + rng.normal(0, 3, picks.shape) * [1, 1, 0.5, 0.5]


@graded("precision_recall", 1, hint="xywh → corners (x + w, y + h), intersection clamped at 0, union = area_d + "
                                    "area_g − inter → (D, G). Example: (0, 0, 2, 2) and (1, 0, 2, 2) → 1/3")
def iou_xywh_random(ex):
    rng = np.random.default_rng(160)
    a, b = random_xywh(6, rng), random_xywh(4, rng)
    expect_array(ex.iou_xywh(a, b), box_iou_xywh(a, b), "iou_xywh of (6, 4) and (4, 4) boxes", check_dtype=False)


MATCH_HINT = ("visit detections by decreasing score (np.argsort(-scores, kind='stable')); each takes the not yet "
              "taken gt with the highest IoU >= iou_thresh; a taken gt cannot be matched again; the result is in "
              "the detections' input order, -1 for unmatched")


@graded("precision_recall", 3, hint=MATCH_HINT)
def match_detections_random(ex):
    rng = np.random.default_rng(161)
    for thresh in (0.5, 0.75, 0.3):
        gts = random_xywh(5, rng)
        dets = near(gts, rng, 9)
        scores = rng.permutation(9) / 10 + 0.05
        got = ex.match_detections(dets, scores, gts, thresh)
        expect_array(np.asarray(got), match_detections(dets, scores, gts, thresh),
                     f"match_detections of 9 detections and 5 gts at IoU {thresh}", check_dtype=False)


@graded("precision_recall", 1, hint="two detections of one gt: only the higher-scoring one matches, the other is a "
                                    "false positive (-1)")
def match_duplicate_detection(ex):
    gts = np.array([[10.0, 10, 20, 20]])
    dets = np.array([[11.0, 10, 20, 20], [10, 10, 20, 20]])
    scores = np.array([0.4, 0.9])
    expect_array(np.asarray(ex.match_detections(dets, scores, gts, 0.5)), np.array([-1, 0]),
                 "match_detections with a duplicate detection", check_dtype=False)


@graded("precision_recall", 1, hint="with no detections or no gts return np.full(D, -1) (int64), no error")
def match_empty(ex):
    gts, dets = np.array([[0.0, 0, 10, 10]]), np.array([[0.0, 0, 10, 10], [50, 50, 5, 5]])
    expect_array(np.asarray(ex.match_detections(np.zeros((0, 4)), np.zeros(0), gts, 0.5)), np.zeros(0, np.int64),
                 "match_detections with no detections", check_dtype=False)
    expect_array(np.asarray(ex.match_detections(dets, np.array([0.5, 0.4]), np.zeros((0, 4)), 0.5)),
                 np.full(2, -1, np.int64), "match_detections with no gts", check_dtype=False)


@graded("precision_recall", 1, hint="an IoU exactly equal to the threshold matches (>=); equal IoUs with two gts: "
                                    "the LATER gt wins (as pycocotools)")
def match_ties(ex):
    gts = np.array([[0.0, 0, 4, 1], [0.0, 0, 4, 1]])  # identical gts: equal IoUs
    dets = np.array([[2.0, 0, 4, 1]])  # IoU with each gt exactly 2 / 6
    expect_array(np.asarray(ex.match_detections(dets, np.array([0.9]), gts, 1 / 3)),
                 match_detections(dets, np.array([0.9]), gts, 1 / 3), "match_detections with equal IoUs",
                 check_dtype=False)
    gts2 = np.array([[0.0, 0, 3, 1]])
    dets2 = np.array([[1.0, 0, 3, 1]])  # IoU exactly 0.5
    expect_array(np.asarray(ex.match_detections(dets2, np.array([0.9]), gts2, 0.5)), np.array([0]),
                 "match_detections with an IoU equal to the threshold", check_dtype=False)


PR_HINT = ("sort by score (highest first, stable), cumulative sums of TP and FP; precision = TP / (TP + FP), "
           "recall = TP / num_gt. Example: scores (0.9, 0.8), TP (True, False), 2 gts → precision (1, 0.5), "
           "recall (0.5, 0.5)")


@graded("precision_recall", 2, hint=PR_HINT)
def precision_recall_random(ex):
    rng = np.random.default_rng(162)
    scores, is_tp = rng.permutation(30) / 31, rng.random(30) < 0.6
    got = ex.precision_recall(scores, is_tp, 25)
    want = ref_precision_recall(scores, is_tp, 25)
    expect_true(isinstance(got, tuple) and len(got) == 2, "precision_recall must return (precision, recall)")
    expect_array(np.asarray(got[0], float), want[0], "precision of 30 detections")
    expect_array(np.asarray(got[1], float), want[1], "recall of 30 detections")


@graded("precision_recall", 1, hint=PR_HINT + "; no detections → two empty arrays; num_gt = 0 → recall 0 "
                                              "(divide by max(num_gt, 1)); equal scores keep their input order")
def precision_recall_edge_cases(ex):
    rng = np.random.default_rng(163)
    many_ties = (rng.integers(1, 4, 60) / 4, rng.random(60) < 0.5, 40)  # 60 detections, 3 distinct scores
    cases = ((np.zeros(0), np.zeros(0, bool), 3), (np.array([0.5, 0.4]), np.array([False, False]), 0),
             (np.array([0.5, 0.5, 0.5, 0.9]), np.array([False, True, True, False]), 4), many_ties)
    for scores, is_tp, num_gt in cases:
        got, want = ex.precision_recall(scores, is_tp, num_gt), ref_precision_recall(scores, is_tp, num_gt)
        what = f"precision_recall with {len(scores)} detections, num_gt={num_gt}"
        expect_array(np.asarray(got[0], float), want[0], f"precision, {what}")
        expect_array(np.asarray(got[1], float), want[1], f"recall, {what}")


# ---------------------------------------------------------------------------------------------------- AP

AP_HINT = ("at each recall level r of np.linspace(0, 1, 101) take the best precision at any point with recall >= r "
           "(make precision non-increasing from the right first: np.maximum.accumulate on the reversed array), "
           "0 where the curve never reaches r")


def random_curve(rng: np.random.Generator, n: int, num_gt: int) -> tuple[np.ndarray, np.ndarray]:
    return ref_precision_recall(rng.permutation(n) / n, rng.random(n) < 0.5, num_gt)


@graded("average_precision", 3, hint=AP_HINT)
def interpolated_precision_random(ex):
    rng = np.random.default_rng(170)
    for n, num_gt in ((40, 20), (15, 30)):
        precision, recall = random_curve(rng, n, num_gt)
        expect_array(np.asarray(ex.interpolated_precision(precision.copy(), recall.copy()), float),
                     interpolated_precision(precision, recall), f"interpolated precision of a {n}-point curve")


@graded("average_precision", 1, hint=AP_HINT + ". Example: precision (1, 0.5, 0.67, 0.75) → envelope "
                                               "(1, 0.75, 0.75, 0.75): a later, better point counts")
def envelope_after_a_dip(ex):
    precision, recall = np.array([1.0, 0.5, 1 / 3, 0.5, 0.6]), np.array([0.2, 0.2, 0.2, 0.4, 0.6])
    expect_array(np.asarray(ex.interpolated_precision(precision, recall), float),
                 interpolated_precision(precision, recall), "interpolated precision of a curve with dips")


@graded("average_precision", 1, hint="np.searchsorted(recall, levels, side='left') finds the first point reaching "
                                     "each level; levels reached exactly count as reached")
def exact_recall_levels(ex):
    precision, recall = np.array([1.0, 1.0, 0.75, 0.8]), np.array([0.25, 0.5, 0.75, 1.0])
    expect_array(np.asarray(ex.interpolated_precision(precision, recall), float),
                 interpolated_precision(precision, recall), "interpolated precision at recall levels hit exactly")


@graded("average_precision", 2, hint="AP = mean of the 101 interpolated precisions as a Python float; an empty "
                                     "curve has AP 0; precision 1 up to recall 0.5 then nothing → about 0.505")
def average_precision_values(ex):
    rng = np.random.default_rng(171)
    precision, recall = random_curve(rng, 25, 20)
    expect_close(ex.average_precision(precision, recall), interpolated_ap(precision, recall), "AP of a random curve",
                 atol=1e-9)
    expect_close(ex.average_precision(np.zeros(0), np.zeros(0)), 0.0, "AP of an empty curve")
    expect_close(ex.average_precision(np.array([1.0, 1.0]), np.array([0.25, 0.5])),
                 interpolated_ap(np.array([1.0, 1.0]), np.array([0.25, 0.5])), "AP of a curve stopping at recall 0.5")
