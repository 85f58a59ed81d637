"""The pytest plugin that makes the plain modules in ``grading/tests/`` a grader.

    python -m pytest --pyargs yolox_edu.grading                         # grades ./exercises
    python -m pytest --pyargs yolox_edu.grading --exercises-dir DIR     # grades DIR
    YOLOX_EDU_EXERCISES=DIR python -m pytest --pyargs yolox_edu.grading  # the same

(An installed yolox_edu registers this plugin with pytest (entry point ``pytest11``); in a bare checkout on
``PYTHONPATH``, ``grading/conftest.py`` loads it, and ``--exercises-dir`` then needs ``-p
yolox_edu.grading.plugin``. It only touches grading tests: modules that set ``EXERCISE``.)

* Each ``test_NAME.py`` sets ``EXERCISE = "NAME"``; its tests take the fixture ``ex``, the learner's
  ``NAME.py`` (an import error fails every test of the module with the error and its line).
* ``@pytest.mark.points(n)`` (default 1) and ``@pytest.mark.hint("...")``: a failing test shows its hint.
* Every test gets ``@pytest.mark.timeout(DEFAULT_TIMEOUT_S)`` (pytest-timeout) unless it sets its own. A
  learner function that ran out of time is not called again in this process (later calls fail at once).
* ``--grading-report FILE`` appends one JSON line per test (what ``yolox-edu grade`` reads), flushed at
  once, so the tests graded before a crash still count.
"""

from __future__ import annotations

import importlib.util
import json
import sys
import time
import traceback
from pathlib import Path

import pytest

from yolox_edu.grading.catalog import ENV_DIR, default_exercises_dir

DEFAULT_TIMEOUT_S = 10.0  # per test; the solutions take milliseconds


def pytest_addoption(parser: pytest.Parser) -> None:
    group = parser.getgroup("yolox-edu grading")
    group.addoption("--exercises-dir", help=f"folder of the learner's NAME.py files (default: ${ENV_DIR}, "
                                            "else ./exercises)")
    group.addoption("--grading-report", metavar="FILE", help="append one JSON line per graded test to FILE")
    group.addoption("--grading-limits", metavar="CPU_S,MEMORY_MB",
                    help="limit this process's CPU time (s) and address space (MiB) before any test runs")


def pytest_configure(config: pytest.Config) -> None:
    config.addinivalue_line("markers", "points(n): what a grading test is worth")
    config.addinivalue_line("markers", "hint(text): shown to the learner when the grading test fails")
    config._grading_scores = {}  # exercise → [earned, possible]
    limits = config.getoption("grading_limits", None)
    if limits:
        _limit_resources(*(int(v) for v in limits.split(",")))


def _limit_resources(cpu_s: int, memory_mb: int) -> None:
    """RLIMIT_CPU (SIGXCPU past it) and RLIMIT_AS (allocations fail past it) for this process."""
    import resource

    resource.setrlimit(resource.RLIMIT_CPU, (cpu_s, cpu_s + 5))
    resource.setrlimit(resource.RLIMIT_AS, (memory_mb << 20, memory_mb << 20))


def _points(item: pytest.Item) -> int:
    marker = item.get_closest_marker("points")
    return int(marker.args[0]) if marker else 1


def _exercise(item: pytest.Item) -> str:
    return getattr(item.module, "EXERCISE", item.module.__name__.rsplit("test_", 1)[-1])


def _emit(config: pytest.Config, record: dict) -> None:
    path = config.getoption("grading_report", None)
    if path:
        with open(path, "a", encoding="utf-8") as f:
            f.write(json.dumps(record) + "\n")


def pytest_collection_modifyitems(config: pytest.Config, items: list[pytest.Item]) -> None:
    for item in items:
        if not hasattr(getattr(item, "module", None), "EXERCISE"):  # not a grading test: leave it be
            continue
        if item.get_closest_marker("timeout") is None:
            item.add_marker(pytest.mark.timeout(DEFAULT_TIMEOUT_S))
        _emit(config, dict(type="plan", exercise=_exercise(item), test=item.name, points=_points(item)))


class Learner:
    """The learner's module: ``ex.name(...)`` calls their ``name``; one that timed out is not called again."""

    def __init__(self, module, path: Path):
        self._module, self._path, self._hung = module, path, set()

    def __getattr__(self, name: str):
        obj = getattr(self._module, name, None)
        if obj is None or name.startswith("_"):
            raise AssertionError(f"{self._path.name} has no `{name}`: keep the names and signatures of the stub")
        if not callable(obj) or isinstance(obj, type):
            return obj

        def call(*args, **kwargs):
            if name in self._hung:
                raise AssertionError(f"skipped: `{name}` did not finish in an earlier test")
            try:
                return obj(*args, **kwargs)
            except BaseException as e:
                if _is_timeout(e):
                    self._hung.add(name)
                raise

        return call


def _is_timeout(e: BaseException) -> bool:
    return type(e).__name__ == "Failed" and str(e).startswith("Timeout")


@pytest.fixture(scope="module")
def ex(request: pytest.FixtureRequest) -> Learner:
    """The learner's exercise module, imported from the exercises folder under a private name."""
    name = request.module.EXERCISE
    folder = Path(request.config.getoption("exercises_dir", None) or default_exercises_dir())
    path = folder / f"{name}.py"
    if not path.is_file():
        pytest.fail(f"{path} not found: copy the stub from the course's exercises/ folder", pytrace=False)
    spec = importlib.util.spec_from_file_location(f"learner_{name}", path)
    module = importlib.util.module_from_spec(spec)
    try:
        spec.loader.exec_module(module)
    except BaseException as e:  # noqa: BLE001 - a learner's module can raise anything, SystemExit included
        pytest.fail(f"could not import {path.name}: {type(e).__name__}: {e}{_where(e, path)}", pytrace=False)
    sys.modules.pop(spec.name, None)
    return Learner(module, path)


def _where(e: BaseException, path: Path) -> str:
    """' (line N of NAME.py)' for the innermost frame in the learner's file, if any."""
    if isinstance(e, SyntaxError) and e.filename and Path(e.filename).name == path.name:
        return f" (line {e.lineno} of {path.name})"
    frames = [f for f in traceback.extract_tb(e.__traceback__) if Path(f.filename).name == path.name]
    return f" (line {frames[-1].lineno} of {path.name})" if frames else ""


def learner_message(item: pytest.Item, excinfo: pytest.ExceptionInfo) -> tuple[str, str]:
    """(status, message) of a failed test, for the learner: never the reference values."""
    e = excinfo.value
    path = Path(str(getattr(item.module, "EXERCISE", "")) + ".py")
    if isinstance(e, NotImplementedError):
        return "not_done", "not done yet: the function still raises NotImplementedError"
    if _is_timeout(e):
        limit = item.get_closest_marker("timeout").args[0]
        return "timeout", (f"did not finish within {limit:g} s: an endless loop, or a Python loop over many "
                           "elements where a tensor operation would do?")
    if isinstance(e, AssertionError):  # a check; drop pytest's rewritten "assert ..." detail (it may hold values)
        return "fail", str(e).split("\nassert ")[0].strip() or "a check failed"
    if type(e).__name__ == "Failed":  # pytest.fail from the fixture: the module could not be imported
        return "error", str(e)
    return "error", f"raised {type(e).__name__}: {str(e)[:300]}{_where(e, path)}"


@pytest.hookimpl(hookwrapper=True)
def pytest_runtest_makereport(item: pytest.Item, call: pytest.CallInfo):
    outcome = yield
    report = outcome.get_result()
    graded_phase = report.when == "call" or (report.when == "setup" and report.failed)
    if not hasattr(getattr(item, "module", None), "EXERCISE") or report.skipped or not graded_phase:
        return
    points, start = _points(item), time.perf_counter() - call.duration
    status, message = ("pass", "") if report.passed else learner_message(item, call.excinfo)
    hint = item.get_closest_marker("hint")
    if hint and status in ("fail", "error", "timeout") and not message.startswith("skipped"):
        message = f"{message.rstrip('.')}. Hint: {hint.args[0]}"
        report.sections.append(("hint", hint.args[0]))
    scores = item.config._grading_scores.setdefault(_exercise(item), [0, 0])
    scores[0] += points if status == "pass" else 0
    scores[1] += points
    _emit(item.config, dict(type="result", exercise=_exercise(item), test=item.name, points=points,
                            earned=points if status == "pass" else 0, status=status, message=message,
                            seconds=round(time.perf_counter() - start, 4)))


def pytest_terminal_summary(terminalreporter, config: pytest.Config) -> None:
    scores = config._grading_scores
    if scores:
        terminalreporter.section("points")
        for name, (earned, possible) in scores.items():
            terminalreporter.write_line(f"{name:<20} {earned:>3}/{possible}")
        total = [sum(v[i] for v in scores.values()) for i in (0, 1)]
        terminalreporter.write_line(f"{'total':<20} {total[0]:>3}/{total[1]}")
