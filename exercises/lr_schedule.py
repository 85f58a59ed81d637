"""Exercise: the YOLOX learning-rate schedule, and reading it backwards — notebook 09 ("Your turn").

Notebook 09 plots the schedule ``yolox_edu.train`` uses: a warmup that grows like the square of its progress,
half a cosine down to a floor, and a flat floor for the last iterations that run without Mosaic/MixUp (the
"no-aug tail"). Write it from the plot and the numbers below, then answer a question a practitioner asks:
*when* does the learning rate fall below a value? Replace each ``raise NotImplementedError`` with your code,
then grade it:

    yolox-edu grade lr_schedule                                 # in a terminal, from the course folder
    from yolox_edu.grading import check; check("lr_schedule")   # in the notebook

Use the math module only.
"""

from __future__ import annotations


def yolox_lr(iteration: int, *, base_lr: float, total_iters: int, warmup_iters: int, no_aug_iters: int,
             warmup_lr: float = 0.0, min_lr_ratio: float = 0.05) -> float:
    """The learning rate at a 0-based ``iteration``, a Python float, equal to ``yolox_edu.train``'s.

    Phases: warmup from ``warmup_lr`` at iteration 0 up to ``base_lr`` at iteration ``warmup_iters``
    (included; no warmup when ``warmup_iters`` is 0); then half a cosine from ``base_lr`` down to the floor
    ``min_lr_ratio · base_lr``, reached when the no-aug tail starts at iteration ``total_iters −
    no_aug_iters``; the floor from there on (also past ``total_iters``).

    Example (base_lr 0.01, total_iters 300, warmup_iters 50, no_aug_iters 45):
        iteration 0 → 0.0; 25 → 0.0025; 50 → 0.01; 100 → 0.008672; 152 → 0.005286; 254 → 0.000501;
        255 and 299 → 0.0005.
    """
    raise NotImplementedError


def first_iteration_below(lr: float, *, base_lr: float, total_iters: int, warmup_iters: int, no_aug_iters: int,
                          min_lr_ratio: float = 0.05) -> int:
    """The first iteration after warmup whose learning rate is strictly below ``lr`` (no warmup_lr: 0.0).

    Work it out from the schedule's shape rather than by trying iterations one by one: the grader asks
    about runs of millions of iterations and allows 3 s for twelve questions.

    Returns:
        an int in warmup_iters + 1 … total_iters − no_aug_iters; if even the floor is not below ``lr`` the
        answer is ``total_iters`` (it never happens within the run).

    Example:
        lr 0.005 with the schedule above → 153 (152 gives 0.005286).
    """
    raise NotImplementedError
