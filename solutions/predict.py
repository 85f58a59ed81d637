"""Solution: predict, then check (see exercises/predict.py). The reasoning is in the comments."""

from __future__ import annotations


def points_per_level() -> tuple[int, int, int]:
    # (256 / s) rows × (416 / s) columns: 32 × 52, 16 × 26, 8 × 13
    return (1664, 416, 104)


def dynamic_k_of() -> int:
    # the 10 largest: .81 .77 .71 .64 .58 .49 .40 .33 .30 .26 → sum 5.29 → floor 5
    return 5


def in_box_and_center() -> int:
    # stride-8 centers sit at 4 + 8k. x: box (80, 120), center (80, 120) → 84 92 100 108 116 (5);
    # y: box (88, 112), center (80, 120) → 92 100 108 (3); 5 × 3 = 15
    return 15


def geometry_points() -> int:
    # stride-32 centers sit at 16 + 32k; |x − 320| < 48 → 304, 336 (272 and 368 are exactly 48 away: out);
    # 2 per axis → 4
    return 4
