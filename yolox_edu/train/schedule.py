"""The YOLOX learning-rate schedule: quadratic warmup, cosine decay, then a flat floor for the
no-augmentation tail. A pure function of the iteration, so a resumed run continues exactly."""

from __future__ import annotations

import math

__all__ = ["yolox_lr"]


def yolox_lr(
    iteration: int,
    *,
    base_lr: float,
    total_iters: int,
    warmup_iters: int,
    no_aug_iters: int,
    warmup_lr: float = 0.0,
    min_lr_ratio: float = 0.05,
) -> float:
    """Learning rate at ``iteration`` (0-based; the official trainer's iteration count).

    - warmup (``iteration <= warmup_iters``): ``warmup_lr + (base_lr − warmup_lr)·(iteration / warmup_iters)²``
    - no-aug tail (``iteration >= total_iters − no_aug_iters``): ``min_lr_ratio · base_lr``
    - otherwise cosine from ``base_lr`` down to ``min_lr_ratio · base_lr``.
    """
    min_lr = base_lr * min_lr_ratio
    if warmup_iters > 0 and iteration <= warmup_iters:
        return (base_lr - warmup_lr) * (iteration / warmup_iters) ** 2 + warmup_lr
    if iteration >= total_iters - no_aug_iters:
        return min_lr
    span = max(1, total_iters - warmup_iters - no_aug_iters)
    return min_lr + 0.5 * (base_lr - min_lr) * (1.0 + math.cos(math.pi * (iteration - warmup_iters) / span))
