"""Exercise: COCO's 101-point interpolated average precision — notebook 10 ("Your turn").

Replace each ``raise NotImplementedError`` with your code, then grade it:

    yolox-edu grade average_precision                                 # in a terminal, from the course folder
    from yolox_edu.grading import check; check("average_precision")   # in the notebook

Use numpy only. Shapes: a PR curve of N points, precision (N,) and recall (N,) (recall non-decreasing, as
``precision_recall`` returns them); R = 101 recall levels 0, 0.01, …, 1.
"""

from __future__ import annotations

import numpy as np


def interpolated_precision(precision: np.ndarray, recall: np.ndarray, points: int = 101) -> np.ndarray:
    """Precision read at evenly spaced recall levels, COCO style.

    Args:
        precision, recall: (N,) float arrays of a PR curve; points: number of levels (101).

    Returns:
        (points,) float64: for each level r of ``np.linspace(0, 1, points)``, the best precision at any curve
        point with recall ≥ r (a level reached exactly counts), or 0 when the curve never reaches r. No
        Python loop over the levels or the points: it must stay fast for N = 100 000.

    Example:
        precision (1, 0.5, 2/3, 0.75), recall (0.25, 0.25, 0.5, 0.75): levels 0 … 0.25 read 1, levels
        0.26 … 0.75 read 0.75 (the best precision at recall ≥ the level, here the last point), levels
        above 0.75 read 0.
    """
    raise NotImplementedError


def average_precision(precision: np.ndarray, recall: np.ndarray) -> float:
    """AP of one PR curve: the mean of its 101 interpolated precisions, as a Python float.

    Example:
        precision 1 up to recall 0.5 and nothing beyond: 51 of the 101 levels read 1 → 51 / 101 = 0.505.
        An empty curve → 0.0.
    """
    raise NotImplementedError
