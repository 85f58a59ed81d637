"""The grading harness: tests registered with points and a time limit, run against a learner's module.

A grading test is a plain function ``test(ex)`` that calls the learner's functions through ``ex`` (a
``Learner``) and raises ``Fail`` with a message written for the learner when something is off. Messages
say what was expected (shapes, dtypes, how many entries differ and by how much) and never print the
reference answer of a graded case; the test's ``hint`` adds the likely cause and a tiny worked example.

Each test runs under a wall-clock alarm (Unix). When a learner function does not return in time it is
remembered as *hung*, and later tests that would call it are skipped (zero points) instead of waiting
again, so one endless loop costs one time limit.
"""

from __future__ import annotations

import signal
import time
import traceback
from collections.abc import Callable
from dataclasses import dataclass
from pathlib import Path
from types import ModuleType

import numpy as np
import torch

__all__ = ["GradingTest", "REGISTRY", "graded", "Fail", "Learner", "run_test", "expect_tensor", "expect_array",
           "expect_close", "expect_true", "DEFAULT_TIMEOUT_S", "TestTimeout", "on_alarm"]

DEFAULT_TIMEOUT_S = 5.0  # per test; our solutions take milliseconds, honest loops over a few boxes too


class Fail(AssertionError):
    """A check failed; the message is shown to the learner."""


class TestTimeout(BaseException):  # noqa: N818 - BaseException: a learner's ``except Exception`` can't swallow it
    """The test ran past its time limit."""


@dataclass(frozen=True)
class GradingTest:
    """One graded check of one exercise."""

    exercise: str
    name: str
    points: int
    timeout_s: float
    hint: str
    func: Callable[[Learner], None]


REGISTRY: dict[str, list[GradingTest]] = {}


def graded(exercise: str, points: int = 1, hint: str = "", timeout_s: float = DEFAULT_TIMEOUT_S) -> Callable:
    """Register ``func(ex)`` as a grading test of ``exercise`` worth ``points``."""

    def register(func: Callable[[Learner], None]) -> Callable[[Learner], None]:
        REGISTRY.setdefault(exercise, []).append(GradingTest(exercise, func.__name__, points, timeout_s, hint, func))
        return func

    return register


class Learner:
    """The learner's module; ``ex.name(...)`` calls their function ``name`` and tracks which one is running."""

    def __init__(self, module: ModuleType, path: Path):
        self._module, self._path = module, path
        self._hung: set[str] = set()
        self._timed_out: str | None = None  # the learner function that was running when time ran out

    def __getattr__(self, name: str):
        if name.startswith("_"):
            raise AttributeError(name)
        obj = getattr(self._module, name, None)
        if obj is None:
            raise Fail(f"{self._path.name} has no `{name}`: keep the names and signatures of the stub")
        if not callable(obj):
            return obj

        def call(*args, **kwargs):
            if name in self._hung:
                raise Fail(f"skipped: `{name}` did not finish in an earlier test")
            try:
                return obj(*args, **kwargs)
            except TestTimeout:
                self._hung.add(name)
                self._timed_out = self._timed_out or name
                raise

        return call


def on_alarm(signum, frame) -> None:  # pragma: no cover - runs inside the child
    raise TestTimeout()


def _where(exc: BaseException, path: Path) -> str:
    """'line N of boxes.py' for the innermost frame of the learner's file, if any."""
    frames = [f for f in traceback.extract_tb(exc.__traceback__) if Path(f.filename).name == path.name]
    return f" (line {frames[-1].lineno} of {path.name})" if frames else ""


def run_test(test: GradingTest, ex: Learner) -> dict:
    """Run one test → {status, earned, message, seconds}; status is pass | fail | error | timeout | not_done."""
    use_alarm = hasattr(signal, "setitimer")
    if use_alarm:
        signal.signal(signal.SIGALRM, on_alarm)
        signal.setitimer(signal.ITIMER_REAL, test.timeout_s)
    start = time.perf_counter()
    status, message = "pass", ""
    try:
        test.func(ex)
    except TestTimeout:
        culprit = ex._timed_out
        status = "timeout"
        message = (f"did not finish within {test.timeout_s:g} s" + (f" (in `{culprit}`)" if culprit else "")
                   + ": an endless loop, or a Python loop over many elements where a tensor operation would do?")
    except NotImplementedError:
        status, message = "not_done", "not done yet: the function still raises NotImplementedError"
    except Fail as e:
        status, message = "fail", str(e)
    except Exception as e:  # the learner's code raised: say what and where
        status = "error"
        message = f"raised {type(e).__name__}: {str(e)[:300]}{_where(e, ex._path)}"
    finally:
        if use_alarm:
            signal.setitimer(signal.ITIMER_REAL, 0)
        ex._timed_out = None
    passed = status == "pass"
    if not passed and test.hint and status != "not_done" and not message.startswith("skipped"):
        message = f"{message}{'' if message.endswith(('.', '?', '!')) else '.'} Hint: {test.hint}"
    return dict(status=status, earned=test.points if passed else 0, message=message,
                seconds=round(time.perf_counter() - start, 4))


# ---------------------------------------------------------------------------------------------- checks


def expect_true(condition: bool, message: str) -> None:
    if not condition:
        raise Fail(message)


def _shape(x) -> tuple:
    return tuple(x.shape)


def expect_tensor(got, want: torch.Tensor, what: str, *, atol: float = 1e-5, rtol: float = 1e-5,
                  check_dtype: bool = True) -> None:
    """``got`` is a tensor of ``want``'s shape (and dtype) whose values match within tolerance."""
    if not isinstance(got, torch.Tensor):
        raise Fail(f"{what}: expected a torch.Tensor, got {type(got).__name__}")
    _compare(got.detach().cpu().numpy() if got.dtype != torch.bfloat16 else got.detach().float().numpy(),
             want.detach().cpu().numpy(), what, atol, rtol, got.dtype if check_dtype else None,
             want.dtype if check_dtype else None)


def expect_array(got, want: np.ndarray, what: str, *, atol: float = 1e-6, rtol: float = 1e-6,
                 check_dtype: bool = True) -> None:
    """``got`` is a numpy array of ``want``'s shape (and dtype) whose values match within tolerance."""
    if not isinstance(got, np.ndarray):
        raise Fail(f"{what}: expected a numpy array, got {type(got).__name__}")
    _compare(got, want, what, atol, rtol, got.dtype if check_dtype else None, want.dtype if check_dtype else None)


def _compare(got: np.ndarray, want: np.ndarray, what: str, atol: float, rtol: float, got_dtype, want_dtype) -> None:
    if _shape(got) != _shape(want):
        raise Fail(f"{what}: expected shape {_shape(want)}, got {_shape(got)}")
    if want_dtype is not None and got_dtype != want_dtype:
        raise Fail(f"{what}: expected dtype {want_dtype}, got {got_dtype}")
    if want.dtype == bool or got.dtype == bool:
        wrong = int((got.astype(bool) != want.astype(bool)).sum())
        if wrong:
            raise Fail(f"{what}: {wrong} of {want.size} entries differ from the reference")
        return
    got64, want64 = got.astype(np.float64), want.astype(np.float64)
    if np.isnan(got64).any() and not np.isnan(want64).any():
        raise Fail(f"{what}: holds NaN ({int(np.isnan(got64).sum())} entries); a division by zero?")
    close = np.isclose(got64, want64, rtol=rtol, atol=atol, equal_nan=True)
    if not close.all():
        with np.errstate(invalid="ignore"):
            diff = np.nanmax(np.where(close, 0.0, np.abs(got64 - want64)))
        raise Fail(f"{what}: {int((~close).sum())} of {want.size} values differ from the reference "
                   f"(largest difference {diff:.3g}, tolerance {atol:g} + {rtol:g}·|reference|)")


def expect_close(got, want: float, what: str, *, atol: float = 1e-9, rtol: float = 1e-7) -> None:
    """``got`` is a Python (or numpy) number close to ``want``."""
    if isinstance(got, torch.Tensor) or not isinstance(got, (int, float, np.floating, np.integer)):
        raise Fail(f"{what}: expected a Python float, got {type(got).__name__}")
    if not np.isclose(float(got), want, rtol=rtol, atol=atol):
        raise Fail(f"{what}: differs from the reference by {abs(float(got) - want):.3g}")
