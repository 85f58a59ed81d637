"""Graded exercises: the grader behind ``yolox-edu grade`` and the notebooks' "your turn" cells.

A learner fills in ``exercises/NAME.py``; ``yolox-edu grade`` (or ``check("NAME")`` in a notebook) runs
the grading tests of ``yolox_edu.grading.suites`` on it in a separate process, with points, a time limit
per test and a hint per failed check. ``EXERCISES`` lists the names in course order.

    from yolox_edu.grading import check; check("boxes")
"""

from __future__ import annotations

import signal
import threading
from pathlib import Path

from yolox_edu.grading.runner import EXERCISES, Report, default_exercises_dir, grade

__all__ = ["check", "grade", "EXERCISES", "Report", "default_exercises_dir"]


def check(name: str, exercises_dir: str | Path | None = None) -> None:
    """Grade ``exercises/<name>.py`` and print a compact result with hints; never raises.

    ``exercises_dir`` defaults to ``$YOLOX_EDU_EXERCISES``, else ``./exercises``, else the course's own
    ``exercises/`` folder. An untouched stub prints "not done yet". From a notebook (the main thread, on a
    system with SIGALRM) it grades in the kernel itself, which has torch loaded already, with the same time
    limits; elsewhere in a separate process like ``yolox-edu grade``.
    """
    from yolox_edu.grading.report import format_check

    try:
        folder = Path(exercises_dir) if exercises_dir is not None else default_exercises_dir()
        in_process = hasattr(signal, "setitimer") and threading.current_thread() is threading.main_thread()
        report = grade([name], folder, in_process=in_process)
        print(format_check(report.exercises[0], str(folder / f"{name}.py")))
        if report.problem:
            print(f"(grader problem: {report.problem})")
    except Exception as e:  # a notebook must keep running whatever happens here
        print(f"{name}: could not grade ({type(e).__name__}: {e})")
