"""Exercise: the YOLOX learning-rate schedule — notebook 09 ("Your turn").

Replace the ``raise NotImplementedError`` with your code, then grade it:

    yolox-edu grade lr_schedule                                 # in a terminal, from the course folder
    from yolox_edu.grading import check; check("lr_schedule")   # in the notebook

Use the math module only. Three phases: a quadratic warmup, a cosine decay, and a flat floor during the
last epochs that run without Mosaic/MixUp (the "no-aug tail").
"""

from __future__ import annotations


def yolox_lr(iteration: int, *, base_lr: float, total_iters: int, warmup_iters: int, no_aug_iters: int,
             warmup_lr: float = 0.0, min_lr_ratio: float = 0.05) -> float:
    """Learning rate at a 0-based ``iteration``, a Python float.

    With ``min_lr = min_lr_ratio · base_lr``:

    - warmup, when ``warmup_iters > 0`` and ``iteration <= warmup_iters``:
      ``warmup_lr + (base_lr − warmup_lr) · (iteration / warmup_iters)²``
    - no-aug tail, when ``iteration >= total_iters − no_aug_iters``: ``min_lr``
    - otherwise cosine: ``min_lr + 0.5 · (base_lr − min_lr) · (1 + cos(π · (iteration − warmup_iters) / span))``
      with ``span = max(1, total_iters − warmup_iters − no_aug_iters)``.

    Example:
        base_lr 0.01, total 300, warmup 50, no-aug 45: iteration 25 → 0.0025 (a quarter: (25/50)² = 0.25);
        iteration 50 → 0.01; iteration 255 → 0.0005 (the floor).
    """
    raise NotImplementedError
