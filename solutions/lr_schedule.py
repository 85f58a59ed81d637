"""The YOLOX learning-rate schedule (notebook 09_training). Reference answer for ``exercises/lr_schedule.py``."""

from __future__ import annotations

import math


def yolox_lr(iteration: int, *, base_lr: float, total_iters: int, warmup_iters: int, no_aug_iters: int,
             warmup_lr: float = 0.0, min_lr_ratio: float = 0.05) -> float:
    """Learning rate at a 0-based ``iteration``:

    - warmup, ``iteration <= warmup_iters`` (only when warmup_iters > 0):
      ``warmup_lr + (base_lr − warmup_lr) · (iteration / warmup_iters)²``
    - no-aug tail, ``iteration >= total_iters − no_aug_iters``: ``min_lr = min_lr_ratio · base_lr``
    - otherwise cosine: ``min_lr + ½ (base_lr − min_lr)(1 + cos(π (iteration − warmup_iters) / span))`` with
      ``span = max(1, total_iters − warmup_iters − no_aug_iters)``.
    """
    min_lr = min_lr_ratio * base_lr
    if warmup_iters > 0 and iteration <= warmup_iters:
        return warmup_lr + (base_lr - warmup_lr) * (iteration / warmup_iters) ** 2
    if iteration >= total_iters - no_aug_iters:
        return min_lr
    span = max(1, total_iters - warmup_iters - no_aug_iters)
    return min_lr + 0.5 * (base_lr - min_lr) * (1 + math.cos(math.pi * (iteration - warmup_iters) / span))
