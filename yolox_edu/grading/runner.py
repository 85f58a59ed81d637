"""Grade exercise modules from any process (the CLI, a notebook kernel, a test) without importing torch here.

``grade(names, folder)`` starts one worker process (``yolox_edu.grading.worker``) that grades every
module in a child of its own, reads the JSON lines it wrote, and returns a ``Report``. Tests the worker
never reported (a killed module, a worker that failed to start) count zero with the reason.
"""

from __future__ import annotations

import json
import os
import subprocess
import sys
import tempfile
import time
from dataclasses import asdict, dataclass, field
from pathlib import Path

__all__ = ["EXERCISES", "TestResult", "ExerciseResult", "Report", "grade", "default_exercises_dir"]

# in course order (notebook): 01 boxes; 02 focus, csp; 04 decode, nms; 05 center_sampling; 06 simota_cost,
# dynamic_k; 07 iou_loss; 08 mosaic; 09 lr_schedule; 10 precision_recall, average_precision; 12 coco_format
EXERCISES: tuple[str, ...] = (
    "boxes", "focus", "csp", "decode", "nms", "center_sampling", "simota_cost", "dynamic_k", "iou_loss", "mosaic",
    "lr_schedule", "precision_recall", "average_precision", "coco_format",
)
NOTEBOOK_OF = {"boxes": "01", "focus": "02", "csp": "02", "decode": "04", "nms": "04", "center_sampling": "05",
               "simota_cost": "06", "dynamic_k": "06", "iou_loss": "07", "mosaic": "08", "lr_schedule": "09",
               "precision_recall": "10", "average_precision": "10", "coco_format": "12"}
STARTUP_S = 60.0  # the worker's own start (python + torch import) on a slow, busy machine


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
    module_status: str = "ok"  # ok | error | timeout | crash | missing | not_run
    module_message: str = ""
    seconds: float = 0.0  # the module's own grading time (its child process)

    @property
    def earned(self) -> int:
        return sum(t.earned for t in self.tests)

    @property
    def possible(self) -> int:
        return sum(t.points for t in self.tests)

    @property
    def not_done(self) -> bool:
        """Every test failed only because the functions still raise NotImplementedError."""
        return bool(self.tests) and all(t.status == "not_done" for t in self.tests)

    def first_failure(self) -> TestResult | None:
        return next((t for t in self.tests if t.status != "pass"), None)


@dataclass
class Report:
    folder: str
    exercises: list[ExerciseResult]
    seconds: float
    problem: str = ""  # the grader itself failed (not the learner's code)
    startup_s: float | None = None  # the worker's start: python, torch and the grading suites imported

    @property
    def earned(self) -> int:
        return sum(e.earned for e in self.exercises)

    @property
    def possible(self) -> int:
        return sum(e.possible for e in self.exercises)

    @property
    def full_marks(self) -> bool:
        return not self.problem and self.possible > 0 and self.earned == self.possible

    def to_dict(self) -> dict:
        return dict(folder=self.folder, earned=self.earned, possible=self.possible, full_marks=self.full_marks,
                    seconds=round(self.seconds, 2), startup_s=self.startup_s, problem=self.problem,
                    exercises={e.name: dict(earned=e.earned, possible=e.possible, seconds=e.seconds,
                                            module_status=e.module_status,
                                            module_message=e.module_message, tests=[asdict(t) for t in e.tests])
                               for e in self.exercises})


def default_exercises_dir() -> Path:
    """``$YOLOX_EDU_EXERCISES``, else ``./exercises`` if it exists, else the course's ``exercises/`` next to
    the installed package (a source checkout)."""
    env = os.environ.get("YOLOX_EDU_EXERCISES")
    if env:
        return Path(env)
    local = Path.cwd() / "exercises"
    if local.is_dir():
        return local
    import yolox_edu

    return Path(yolox_edu.__file__).resolve().parents[1] / "exercises"


def check_names(names: list[str] | tuple[str, ...]) -> list[str]:
    unknown = [n for n in names if n not in EXERCISES]
    if unknown:
        raise ValueError(f"unknown exercise(s) {', '.join(unknown)}; choose from {', '.join(EXERCISES)}")
    return list(dict.fromkeys(names)) or list(EXERCISES)


def _collect(lines: list[dict], names: list[str], worker_problem: str) -> list[ExerciseResult]:
    plan = next((r["exercises"] for r in lines if r.get("type") == "plan"), {})
    results = {(r["exercise"], r["test"]): r for r in lines if r.get("type") == "result"}
    modules = {}
    for r in lines:
        if r.get("type") == "module" and (r["exercise"] not in modules or r["status"] != "ok"):
            modules[r["exercise"]] = r
    out = []
    for name in names:
        module = modules.get(name, dict(status="not_run", message=worker_problem or "not graded"))
        ex = ExerciseResult(name, module_status=module["status"], module_message=module["message"],
                            seconds=module.get("seconds", 0.0))
        for test, points, _timeout in plan.get(name, []):
            r = results.get((name, test))
            if r:
                ex.tests.append(TestResult(test, points, r["earned"], r["status"], r["message"], r["seconds"]))
            else:
                ex.tests.append(TestResult(test, points, 0, "not_run", module["message"] or "not run"))
        out.append(ex)
    return out


def grade(names: list[str] | tuple[str, ...] = (), folder: str | Path | None = None,
          in_process: bool = False) -> Report:
    """Grade ``folder/NAME.py`` for each name (all exercises when empty) in a separate process, or in this
    one with ``in_process`` (needs the main thread and SIGALRM; see ``worker.grade_in_process``)."""
    names = check_names(names)
    folder = (Path(folder) if folder is not None else default_exercises_dir()).resolve()
    start = time.perf_counter()
    if in_process:
        from yolox_edu.grading.worker import grade_in_process

        with tempfile.TemporaryDirectory(prefix="yolox_edu_grade_") as tmp:
            out = Path(tmp) / "results.jsonl"
            grade_in_process(names, folder, out)
            lines = [json.loads(line) for line in out.read_text(encoding="utf-8").splitlines() if line.strip()]
        return Report(str(folder), _collect(lines, names, ""), time.perf_counter() - start, "", 0.0)
    with tempfile.TemporaryDirectory(prefix="yolox_edu_grade_") as tmp:
        out = Path(tmp) / "results.jsonl"
        out.touch()
        cmd = [sys.executable, "-m", "yolox_edu.grading.worker", "--dir", str(folder), "--out", str(out),
               "--started", repr(time.time()), *names]
        # generous backstop; the worker enforces each module's own budget
        limit = STARTUP_S + 60.0 * len(names)
        problem = ""
        # run from the temporary folder, so files in the caller's folder cannot shadow modules; find
        # yolox_edu where this process found it
        package_root = str(Path(__file__).resolve().parents[2])
        env = dict(os.environ, PYTHONPATH=os.pathsep.join(filter(None, [package_root, os.environ.get("PYTHONPATH")])))
        try:
            proc = subprocess.run(cmd, capture_output=True, text=True, timeout=limit, cwd=tmp, env=env)
            if proc.returncode != 0:
                problem = f"the grader failed to start: {proc.stderr.strip()[-800:]}"
        except subprocess.TimeoutExpired:
            problem = f"the grader was stopped after {limit:.0f} s"
        lines = [json.loads(line) for line in out.read_text(encoding="utf-8").splitlines() if line.strip()]
    if not problem and not any(r.get("type") == "plan" for r in lines):
        problem = "the grader wrote no results"
    plan = next((r for r in lines if r.get("type") == "plan"), {})
    startup = round(plan["startup_s"], 2) if plan.get("startup_s") is not None else None
    return Report(str(folder), _collect(lines, names, problem), time.perf_counter() - start, problem, startup)
