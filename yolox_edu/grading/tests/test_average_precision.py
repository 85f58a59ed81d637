"""Grading tests of exercises/average_precision.py."""

from __future__ import annotations

import numpy as np
import pytest

from yolox_edu.eval.ap import interpolated_ap, interpolated_precision
from yolox_edu.eval.ap import precision_recall as ref_precision_recall
from yolox_edu.grading.checks import expect, expect_array, expect_close

EXERCISE = "average_precision"


AP_HINT = ("at a recall level, the interpolated precision is the best precision reached at that recall or any "
           "higher one; 0 where the curve never gets there")


def random_curve(rng: np.random.Generator, n: int, num_gt: int) -> tuple[np.ndarray, np.ndarray]:
    return ref_precision_recall(rng.permutation(n) / n, rng.random(n) < 0.5, num_gt)


@pytest.mark.points(3)
@pytest.mark.hint(AP_HINT)
def test_interpolated_precision_random(ex):
    rng = np.random.default_rng(170)
    for n, num_gt in ((40, 20), (15, 30)):
        precision, recall = random_curve(rng, n, num_gt)
        expect_array(np.asarray(ex.interpolated_precision(precision.copy(), recall.copy()), float),
                     interpolated_precision(precision, recall), f"interpolated precision of a {n}-point curve")


@pytest.mark.points(1)
@pytest.mark.hint(AP_HINT + ". Example: precision (1, 0.5, 0.67, 0.75) → envelope "
                                               "(1, 0.75, 0.75, 0.75): a later, better point counts")
def test_envelope_after_a_dip(ex):
    precision, recall = np.array([1.0, 0.5, 1 / 3, 0.5, 0.6]), np.array([0.2, 0.2, 0.2, 0.4, 0.6])
    before = precision.copy()
    expect_array(np.asarray(ex.interpolated_precision(precision, recall), float),
                 interpolated_precision(precision, recall), "interpolated precision of a curve with dips")
    expect(np.array_equal(precision, before), "interpolated_precision changed the caller's precision array")


@pytest.mark.points(1)
@pytest.mark.hint("a recall level the curve hits exactly counts as reached")
def test_exact_recall_levels(ex):
    precision, recall = np.array([1.0, 1.0, 0.75, 0.8]), np.array([0.25, 0.5, 0.75, 1.0])
    expect_array(np.asarray(ex.interpolated_precision(precision, recall), float),
                 interpolated_precision(precision, recall), "interpolated precision at recall levels hit exactly")
    expect_array(np.asarray(ex.interpolated_precision(precision, recall, points=11), float),
                 interpolated_precision(precision, recall, 11), "interpolated precision at 11 recall levels (VOC's)")


@pytest.mark.points(2)
@pytest.mark.hint("AP = mean of the 101 interpolated precisions as a Python float; an empty "
                                     "curve has AP 0; precision 1 up to recall 0.5 then nothing → about 0.505")
def test_average_precision_values(ex):
    rng = np.random.default_rng(171)
    precision, recall = random_curve(rng, 25, 20)
    expect_close(ex.average_precision(precision, recall), interpolated_ap(precision, recall), "AP of a random curve",
                 atol=1e-9)
    ap = ex.average_precision(precision, recall)
    expect(type(ap) is float, f"average_precision must return a Python float, got {type(ap).__name__}")
    expect_close(ex.average_precision(np.zeros(0), np.zeros(0)), 0.0, "AP of an empty curve")
    expect_close(ex.average_precision(np.array([1.0, 1.0]), np.array([0.25, 0.5])),
                 interpolated_ap(np.array([1.0, 1.0]), np.array([0.25, 0.5])), "AP of a curve stopping at recall 0.5")
