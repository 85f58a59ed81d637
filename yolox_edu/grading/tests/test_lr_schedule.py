"""Grading tests of exercises/lr_schedule.py."""

from __future__ import annotations

import math

import pytest

from yolox_edu.grading.checks import expect, expect_close
from yolox_edu.train.schedule import yolox_lr

EXERCISE = "lr_schedule"


RUN = dict(base_lr=0.01, total_iters=300, warmup_iters=50, no_aug_iters=45)


def _check_lr(ex, iterations, what: str, **kwargs) -> None:
    for it in iterations:
        expect_close(ex.yolox_lr(it, **kwargs), yolox_lr(it, **kwargs), f"{what} at iteration {it}", atol=1e-12,
                     rtol=1e-9)


@pytest.mark.points(2)
@pytest.mark.hint("halfway through the warmup the lr has covered a quarter of the way from warmup_lr to base_lr, "
                  "not half")
def test_warmup_phase(ex):
    _check_lr(ex, (0, 1, 17, 33, 49), "warmup lr", **RUN)
    _check_lr(ex, (3, 25), "warmup lr with warmup_lr=0.002", **RUN, warmup_lr=0.002)


@pytest.mark.points(2)
@pytest.mark.hint("the half cosine starts where the warmup ends and reaches the floor exactly where the tail "
                  "starts; check iteration 152 of the docstring's example")
def test_cosine_phase(ex):
    _check_lr(ex, (51, 100, 180, 254), "cosine lr", **RUN)
    _check_lr(ex, (60, 200), "cosine lr with min_lr_ratio=0.2", **RUN, min_lr_ratio=0.2)


@pytest.mark.points(1)
@pytest.mark.hint("from iteration total_iters − no_aug_iters on, the lr stays at min_lr")
def test_no_aug_tail(ex):
    _check_lr(ex, (255, 256, 299, 310), "no-aug tail lr", **RUN)


@pytest.mark.points(2)
@pytest.mark.hint("look at the iterations where a phase ends and the next begins, and at schedules with no warmup "
                  "or no tail")
def test_phase_boundaries(ex):
    _check_lr(ex, (50, 255), "lr at a phase boundary", **RUN)
    _check_lr(ex, (0, 1, 120), "lr with warmup_iters=0", base_lr=0.02, total_iters=200, warmup_iters=0, no_aug_iters=15)
    _check_lr(ex, (0, 5, 9), "lr with no_aug_iters=0", base_lr=0.01, total_iters=10, warmup_iters=2, no_aug_iters=0)


@pytest.mark.points(1)
@pytest.mark.hint("return a Python float (math.cos, not torch/numpy)")
def test_returns_float(ex):
    got = ex.yolox_lr(100, **RUN)
    expect(type(got) is float, f"yolox_lr returned {type(got).__name__}, expected float")
    expect(math.isfinite(got), "yolox_lr returned a non-finite number")


def _first_below(lr: float, **schedule) -> int:
    """Reference by bisection on the library's schedule (it decreases after warmup)."""
    low, high = schedule["warmup_iters"] + 1, schedule["total_iters"] - schedule["no_aug_iters"]
    if yolox_lr(high, **schedule) >= lr:
        return schedule["total_iters"]
    while low < high:
        mid = (low + high) // 2
        low, high = (mid + 1, high) if yolox_lr(mid, **schedule) >= lr else (low, mid)
    return low


SCHEDULES = [dict(base_lr=0.01, total_iters=300, warmup_iters=50, no_aug_iters=45),
             dict(base_lr=0.04, total_iters=3_000_000, warmup_iters=20_000, no_aug_iters=250_000, min_lr_ratio=0.1),
             dict(base_lr=0.002, total_iters=77, warmup_iters=0, no_aug_iters=0)]


@pytest.mark.points(3)
@pytest.mark.timeout(3)
@pytest.mark.hint("solve the cosine part for the iteration where the lr equals the value, then mind the rounding: "
                  "the answer is the first whole iteration strictly below")
def test_first_iteration_below(ex):
    for schedule in SCHEDULES:
        base = schedule["base_lr"]
        for frac in (0.9, 0.5, 0.31, 0.12):
            want = _first_below(base * frac, **schedule)
            got = ex.first_iteration_below(base * frac, **schedule)
            expect(isinstance(got, int), "first_iteration_below must return an int")
            expect(got == want, f"first_iteration_below({frac}·base_lr) on a run of {schedule['total_iters']} "
                                f"iterations is {'too late' if got > want else 'too early'}")


@pytest.mark.points(1)
@pytest.mark.hint("strictly below: an iteration whose lr equals the value does not count; a value at or below the "
                  "floor is never crossed (answer total_iters)")
def test_first_iteration_below_exact_values_and_the_floor(ex):
    schedule = SCHEDULES[0]
    for lr in (yolox_lr(152, **schedule), yolox_lr(200, **schedule), 0.0005, 0.0001, 0.01, 0.02):  # ≥ base_lr too
        expect(ex.first_iteration_below(lr, **schedule) == _first_below(lr, **schedule),
               f"first_iteration_below({lr}) with base_lr 0.01, the floor at 0.0005 and warmup to iteration 50")
