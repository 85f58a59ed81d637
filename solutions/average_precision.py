"""COCO's 101-point interpolated average precision (notebook 10_evaluation). Reference answers for
``exercises/average_precision.py``.

Shapes: N points of a PR curve (precision (N,), recall (N,) non-decreasing), R = 101 recall levels.
"""

from __future__ import annotations

import numpy as np


def interpolated_precision(precision: np.ndarray, recall: np.ndarray, points: int = 101) -> np.ndarray:
    """At each recall level r of ``np.linspace(0, 1, points)``: the best precision at any curve point with
    recall ≥ r, or 0 when the curve never reaches r. (N,), (N,) → (R,) float64."""
    levels = np.linspace(0.0, 1.0, points)  # (R,)
    envelope = np.maximum.accumulate(np.asarray(precision, float)[::-1])[::-1]  # (N,) non-increasing
    first = np.searchsorted(np.asarray(recall, float), levels, side="left")  # (R,) first point reaching r
    return np.append(envelope, 0.0)[first]  # (R,)


def average_precision(precision: np.ndarray, recall: np.ndarray) -> float:
    """COCO AP of one PR curve: the mean of the 101 interpolated precisions, a Python float."""
    return float(np.mean(interpolated_precision(precision, recall, 101)))
