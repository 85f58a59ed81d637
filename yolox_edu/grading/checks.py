"""Checks for grading tests that fail with a message written for the learner and never print the answer.

A failed check raises ``Fail`` (an ``AssertionError``) saying what was expected: the shape, the dtype, how
many entries differ and by how much, never the reference values of a graded case.
"""

from __future__ import annotations

import numpy as np
import torch

__all__ = ["Fail", "expect", "expect_tensor", "expect_array", "expect_close", "gen", "random_xyxy", "random_cxcywh",
           "distinct_scores"]


class Fail(AssertionError):
    """A check failed; the message is shown to the learner."""


def expect(condition: bool, message: str) -> None:
    if not condition:
        raise Fail(message)


def expect_tensor(got, want: torch.Tensor, what: str, *, atol: float = 1e-5, rtol: float = 1e-5,
                  check_dtype: bool = True) -> None:
    """``got`` is a tensor of ``want``'s shape (and dtype) whose values match within tolerance."""
    expect(isinstance(got, torch.Tensor), f"{what}: expected a torch.Tensor, got {type(got).__name__}")
    expect(not check_dtype or got.dtype == want.dtype, f"{what}: expected dtype {want.dtype}, got {got.dtype}")
    _compare(got.detach().cpu().float().numpy() if got.dtype == torch.bfloat16 else got.detach().cpu().numpy(),
             want.detach().cpu().numpy(), what, atol, rtol)


def expect_array(got, want: np.ndarray, what: str, *, atol: float = 1e-6, rtol: float = 1e-6,
                 check_dtype: bool = True) -> None:
    """``got`` is a numpy array of ``want``'s shape (and dtype) whose values match within tolerance."""
    expect(isinstance(got, np.ndarray), f"{what}: expected a numpy array, got {type(got).__name__}")
    expect(not check_dtype or got.dtype == want.dtype, f"{what}: expected dtype {want.dtype}, got {got.dtype}")
    _compare(got, want, what, atol, rtol)


def _compare(got: np.ndarray, want: np.ndarray, what: str, atol: float, rtol: float) -> None:
    expect(got.shape == want.shape, f"{what}: expected shape {want.shape}, got {got.shape}")
    if want.dtype == bool or got.dtype == bool:
        wrong = int((got.astype(bool) != want.astype(bool)).sum())
        expect(not wrong, f"{what}: {wrong} of {want.size} entries differ from the reference")
        return
    got64, want64 = got.astype(np.float64), want.astype(np.float64)
    expect(not (np.isnan(got64).any() and not np.isnan(want64).any()),
           f"{what}: holds NaN ({int(np.isnan(got64).sum())} entries); a division by zero?")
    close = np.isclose(got64, want64, rtol=rtol, atol=atol, equal_nan=True)
    if not close.all():
        with np.errstate(invalid="ignore"):
            diff = np.nanmax(np.where(close, 0.0, np.abs(got64 - want64)))
        raise Fail(f"{what}: {int((~close).sum())} of {want.size} values differ from the reference "
                   f"(largest difference {diff:.3g}, tolerance {atol:g} + {rtol:g}·|reference|)")


def expect_close(got, want: float, what: str, *, atol: float = 1e-9, rtol: float = 1e-7) -> None:
    """``got`` is a Python (or numpy) number close to ``want``."""
    expect(isinstance(got, (int, float, np.floating, np.integer)) and not isinstance(got, bool),
           f"{what}: expected a Python number, got {type(got).__name__}")
    expect(bool(np.isclose(float(got), want, rtol=rtol, atol=atol)),
           f"{what}: differs from the reference by {abs(float(got) - want):.3g}")


def gen(seed: int) -> torch.Generator:
    return torch.Generator().manual_seed(seed)


def random_xyxy(n: int, seed: int, size: float = 100.0, min_side: float = 2.0) -> torch.Tensor:
    """(n, 4) float32 xyxy boxes with sides >= min_side inside a size × size image."""
    g = gen(seed)
    low = torch.rand(n, 2, generator=g) * size * 0.8  # (n, 2)
    side = min_side + torch.rand(n, 2, generator=g) * size * 0.4  # (n, 2)
    return torch.cat((low, low + side), dim=1)  # (n, 4)


def random_cxcywh(n: int, seed: int, size: float = 100.0) -> torch.Tensor:
    """(n, 4) float32 cxcywh boxes."""
    b = random_xyxy(n, seed, size)
    return torch.cat(((b[:, :2] + b[:, 2:]) / 2, b[:, 2:] - b[:, :2]), dim=1)  # (n, 4)


def distinct_scores(n: int, seed: int) -> torch.Tensor:
    """(n,) float32 scores in (0, 1), all different (a permutation, so no ties)."""
    return (torch.randperm(n, generator=gen(seed)).float() + 1) / (n + 1)  # (n,)
