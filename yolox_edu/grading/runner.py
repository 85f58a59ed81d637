"""Grade exercises by running their pytest modules, one pytest process per exercise, under resource limits.

``grade(names, folder)`` runs ``python -m pytest --pyargs yolox_edu.grading.tests.test_NAME`` for each
exercise in a child process of its own (CPU time and address-space limits set with ``resource`` in the
child, a wall-clock limit here), reads the JSON lines the plugin wrote, and returns a ``Report``. A test the
child never reported (it crashed, was killed, or exited early) scores 0 with the reason. Imports no torch.
"""

from __future__ import annotations

import os
import signal
import subprocess
import sys
import tempfile
import time
from concurrent.futures import ThreadPoolExecutor
from dataclasses import asdict, dataclass, field
from pathlib import Path

from yolox_edu.grading.catalog import ENV_DIR, check_names, default_exercises_dir

__all__ = ["Limits", "TestResult", "ExerciseResult", "Report", "grade"]

PYTEST_EXIT_CODES = (0, 1)  # all passed / some failed; anything else means the run itself went wrong
SIGNAL_REASONS = {"SIGSEGV": "a crash in native code (segmentation fault)", "SIGXCPU": "the CPU-time limit",
                  "SIGKILL": "killed (the wall-clock limit, or out of memory)", "SIGABRT": "an abort in native code"}


@dataclass(frozen=True)
class Limits:
    """Per exercise process: CPU seconds and address space (torch alone maps ~4 GiB), and a wall clock."""

    cpu_s: int = 300
    memory_mb: int = 12288
    wall_s: float = 600.0
    jobs: int = 0  # exercises graded at once; 0 = the number of CPUs (at most 4)


@dataclass
class TestResult:
    test: str
    points: int
    earned: int
    status: str  # pass | fail | error | timeout | not_done | not_run
    message: str
    seconds: float = 0.0


@dataclass
class ExerciseResult:
    name: str
    tests: list[TestResult] = field(default_factory=list)
    module_status: str = "ok"  # ok | error | crash | timeout | missing
    module_message: str = ""
    seconds: float = 0.0
    junit: str = ""  # pytest's own JUnit XML of this exercise's run (when asked for)

    @property
    def earned(self) -> int:
        return sum(t.earned for t in self.tests)

    @property
    def possible(self) -> int:
        return sum(t.points for t in self.tests)

    @property
    def not_done(self) -> bool:
        return bool(self.tests) and all(t.status == "not_done" for t in self.tests)

    def first_failure(self) -> TestResult | None:
        return next((t for t in self.tests if t.status != "pass"), None)


@dataclass
class Report:
    folder: str
    exercises: list[ExerciseResult]
    seconds: float

    @property
    def earned(self) -> int:
        return sum(e.earned for e in self.exercises)

    @property
    def possible(self) -> int:
        return sum(e.possible for e in self.exercises)

    @property
    def full_marks(self) -> bool:
        return self.possible > 0 and self.earned == self.possible and all(e.module_status == "ok"
                                                                          for e in self.exercises)

    def to_dict(self) -> dict:
        return dict(folder=self.folder, earned=self.earned, possible=self.possible, full_marks=self.full_marks,
                    seconds=round(self.seconds, 2),
                    exercises={e.name: dict(earned=e.earned, possible=e.possible, seconds=round(e.seconds, 2),
                                            module_status=e.module_status, module_message=e.module_message,
                                            tests=[asdict(t) for t in e.tests]) for e in self.exercises})


def _exit_reason(code: int, stderr: str) -> str:
    """Why a pytest process ended without grading everything, in words."""
    if code < 0:
        try:
            name = signal.Signals(-code).name
        except ValueError:
            name = f"signal {-code}"
        return f"the grading process was stopped by {name}: {SIGNAL_REASONS.get(name, 'a signal')}"
    tail = " | ".join(stderr.strip().splitlines()[-3:])[-400:]
    return f"the grading process exited with code {code}" + (
        f": {tail}" if tail else " without a message (os._exit or sys.exit in your code?)")


def _results(path: Path) -> tuple[list[dict], dict[tuple[str, str], dict]]:
    import json

    plan, results = [], {}
    for line in path.read_text(encoding="utf-8").splitlines() if path.exists() else []:
        record = json.loads(line)
        if record["type"] == "plan":
            plan.append(record)
        else:
            results[record["exercise"], record["test"]] = record
    return plan, results


def _run_pytest(names: list[str], folder: Path, limits: Limits, tmp: Path, junit: bool) -> tuple[str, str, int]:
    """One pytest process over these exercises' modules → (why it failed or "", its stderr, its exit code)."""
    ini = tmp / "pytest.ini"
    ini.write_text("[pytest]\n")  # the caller's folder's pytest settings must not apply
    cmd = [sys.executable, "-m", "pytest", "-p", "yolox_edu.grading.plugin", "-p", "pytest_timeout",
           "-p", "no:cacheprovider", "-c", str(ini), "--rootdir", str(tmp), "-q", "--no-header",
           "--exercises-dir", str(folder),
           "--grading-report", str(tmp / "results.jsonl"), "--grading-limits", f"{limits.cpu_s},{limits.memory_mb}",
           "--pyargs", *(f"yolox_edu.grading.tests.test_{name}" for name in names)]
    if junit:
        cmd += ["--junitxml", str(tmp / "junit.xml"), "-o", f"junit_suite_name={names[0]}"]
    package_root = str(Path(__file__).resolve().parents[2])
    env = {**os.environ, "OMP_NUM_THREADS": "1", "MKL_NUM_THREADS": "1",
           "PYTEST_DISABLE_PLUGIN_AUTOLOAD": "1",  # only the two plugins above: others cost ~1 s to load
           "PYTHONPATH": os.pathsep.join(filter(None, [package_root, os.environ.get("PYTHONPATH")]))}
    env.pop(ENV_DIR, None)
    proc = subprocess.Popen(cmd, cwd=tmp, env=env, stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True,
                            start_new_session=True)  # its own process group, killed as one
    try:
        stdout, stderr = proc.communicate(timeout=limits.wall_s)
        reason = "" if proc.returncode in PYTEST_EXIT_CODES else _exit_reason(proc.returncode, stderr or stdout)
    except subprocess.TimeoutExpired:
        os.killpg(proc.pid, signal.SIGKILL)  # the whole group: the learner's code may have started children
        stdout, stderr = proc.communicate()
        reason = f"the grading process was stopped after {limits.wall_s:g} s (wall clock)"
    return reason, stderr, proc.returncode


def _grade_group(names: list[str], folder: Path, limits: Limits, junit: bool) -> list[ExerciseResult]:
    """Grade these exercises in one pytest process (a crash there costs all of them)."""
    start = time.perf_counter()
    missing = [n for n in names if not (folder / f"{n}.py").is_file()]
    out = [ExerciseResult(n, module_status="missing", module_message=f"{folder / n}.py not found") for n in missing]
    present = [n for n in names if n not in missing]
    if not present:
        return out
    with tempfile.TemporaryDirectory(prefix="yolox_edu_grade_") as tmp:
        reason, stderr, code = _run_pytest(present, folder, limits, Path(tmp), junit)
        plan, results = _results(Path(tmp) / "results.jsonl")
        junit_text = (Path(tmp) / "junit.xml").read_text() if junit and (Path(tmp) / "junit.xml").exists() else ""
    unreported = next((f"{p['exercise']}.{p['test']}" for p in plan if (p["exercise"], p["test"]) not in results), "")
    if unreported and not reason:  # pytest's own exit codes, yet a test never reported: the process ended early
        reason = (f"the grading process ended (exit code {code}) during {unreported} without reporting it: "
                  "os._exit or sys.exit in your code?")
    for name in present:
        ex = ExerciseResult(name, seconds=time.perf_counter() - start, junit=junit_text if len(present) == 1 else "")
        for item in (p for p in plan if p["exercise"] == name):
            r = results.get((name, item["test"]))
            ex.tests.append(TestResult(item["test"], r["points"], r["earned"], r["status"], r["message"], r["seconds"])
                            if r else TestResult(item["test"], item["points"], 0, "not_run", f"not graded: {reason}"))
        if (reason and any(t.status == "not_run" for t in ex.tests)) or not ex.tests:
            status = "timeout" if "wall clock" in reason else "crash" if reason else "error"
            ex.module_status, ex.module_message = status, reason or f"no grading tests ran: {stderr.strip()[-400:]}"
        elif all(t.status == "error" and t.message.startswith("could not import") for t in ex.tests):
            ex.module_status, ex.module_message = "error", ex.tests[0].message
        out.append(ex)
    return sorted(out, key=lambda e: names.index(e.name))


def grade(names: list[str] | tuple[str, ...] = (), folder: str | Path | None = None, *, limits: Limits = Limits(),
          junit: bool = False, together: bool = False) -> Report:
    """Grade ``folder/NAME.py`` for each name (all exercises when empty), each in a pytest process of its own, or
    all in one process with ``together`` (faster to start; a crash then costs every one of them)."""
    names = check_names(names)
    folder = (Path(folder) if folder is not None else default_exercises_dir()).resolve()
    start = time.perf_counter()
    groups = [names] if together else [[n] for n in names]
    jobs = limits.jobs or min(os.cpu_count() or 1, 4)
    with ThreadPoolExecutor(max_workers=max(1, min(jobs, len(groups)))) as pool:
        exercises = [ex for group in pool.map(lambda g: _grade_group(g, folder, limits, junit), groups) for ex in group]
    return Report(str(folder), exercises, time.perf_counter() - start)
