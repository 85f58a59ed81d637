"""Solution: the YOLOX learning-rate schedule, and reading it backwards (see exercises/lr_schedule.py)."""

from __future__ import annotations

import math


def yolox_lr(iteration: int, *, base_lr: float, total_iters: int, warmup_iters: int, no_aug_iters: int,
             warmup_lr: float = 0.0, min_lr_ratio: float = 0.05) -> float:
    """Quadratic warmup, cosine from base_lr to min_lr over span, then the floor."""
    min_lr = min_lr_ratio * base_lr
    if warmup_iters > 0 and iteration <= warmup_iters:
        return warmup_lr + (base_lr - warmup_lr) * (iteration / warmup_iters) ** 2
    if iteration >= total_iters - no_aug_iters:
        return min_lr
    span = max(1, total_iters - warmup_iters - no_aug_iters)
    return min_lr + 0.5 * (base_lr - min_lr) * (1 + math.cos(math.pi * (iteration - warmup_iters) / span))


def first_iteration_below(lr: float, *, base_lr: float, total_iters: int, warmup_iters: int, no_aug_iters: int,
                          min_lr_ratio: float = 0.05) -> int:
    """Invert the cosine for the crossing point, then step to the first integer iteration that is below."""
    schedule = dict(base_lr=base_lr, total_iters=total_iters, warmup_iters=warmup_iters, no_aug_iters=no_aug_iters,
                    min_lr_ratio=min_lr_ratio)
    min_lr, tail = min_lr_ratio * base_lr, total_iters - no_aug_iters
    if min_lr >= lr:
        return total_iters
    span = max(1, total_iters - warmup_iters - no_aug_iters)
    ratio = min(max(2 * (lr - min_lr) / (base_lr - min_lr) - 1, -1.0), 1.0)
    it = max(warmup_iters + 1, math.floor(warmup_iters + span * math.acos(ratio) / math.pi) - 1)
    while it < tail and yolox_lr(it, **schedule) >= lr:  # at most a step or two past the float estimate
        it += 1
    return it
