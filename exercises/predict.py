"""Exercise: predict, then check — notebook 05 ("Your turn").

Four questions about the anchor points and SimOTA. Work each answer out on paper FIRST (a sketch of the
grid helps), write it as the return value, and only then run the grader, which checks your number against
what ``yolox_edu`` computes. If you are off, find out why before you change the number: that is the exercise.

    yolox-edu grade predict                                 # in a terminal, from the course folder
    from yolox_edu.grading import check; check("predict")   # in the notebook

Conventions (notebook 04/05): strides 8, 16, 32; the point of cell (i, j) at stride s sits at the cell's
center; boxes are cxcywh in input pixels; "inside" is strict (a point on an edge is outside).
"""

from __future__ import annotations


def points_per_level() -> tuple[int, int, int]:
    """How many anchor points does an input of height 256 and width 416 have at strides 8, 16 and 32?

    Returns:
        (int, int, int), one count per stride.

    Example:
        a 64 × 64 input → (64, 16, 4).
    """
    raise NotImplementedError


def dynamic_k_of() -> int:
    """A gt has 14 candidate points whose predicted boxes have these IoUs with it:
    0.05, 0.81, 0.30, 0.77, 0.12, 0.64, 0.58, 0.09, 0.40, 0.33, 0.71, 0.02, 0.26, 0.49.
    How many positives does SimOTA ask for (its dynamic k, ``candidate_topk = 10``)?

    Returns:
        an int.

    Example:
        IoUs 0.9, 0.2 → 1.
    """
    raise NotImplementedError


def in_box_and_center() -> int:
    """A gt (cx, cy, w, h) = (100, 100, 40, 24) in a 640 × 640 image. How many stride-8 points are both inside
    the box and inside its center region of radius 2.5 (strides)?

    Returns:
        an int.

    Example:
        the gt (100, 100, 8, 8) → 1.
    """
    raise NotImplementedError


def geometry_points() -> int:
    """The later "geometry" rule keeps only center-region points with radius 1.5. For the gt
    (320, 320, 200, 200) in a 640 × 640 image, how many stride-32 points lie in its center region?

    Returns:
        an int.

    Example:
        the gt (336, 336, 10, 10) → 9.
    """
    raise NotImplementedError
