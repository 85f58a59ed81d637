"""Graded exercises: pytest modules (``grading/tests/test_NAME.py``) that grade a learner's ``exercises/NAME.py``.

    python -m pytest --pyargs yolox_edu.grading     # plain pytest, grades ./exercises (or $YOLOX_EDU_EXERCISES)
    yolox-edu grade [NAME ...]                      # one pytest process per exercise, a table, exit 0/1/2
    from yolox_edu.grading import check; check("nms")   # a notebook's "Your turn" cell

``plugin`` gives the tests their fixture ``ex`` (the learner's module), points, hints and time limits;
``runner`` runs them, ``report`` turns the results into a table, JSON, JUnit, Gradescope or a class CSV.
"""

from __future__ import annotations

from pathlib import Path

from yolox_edu.grading.catalog import EXERCISES, default_exercises_dir

__all__ = ["check", "grade", "EXERCISES", "default_exercises_dir"]


def grade(*args, **kwargs):
    """``runner.grade``: imported on use, so that ``import yolox_edu.grading`` stays light."""
    from yolox_edu.grading.runner import grade as run

    return run(*args, **kwargs)


def check(*names: str, exercises_dir: str | Path | None = None) -> None:
    """Grade ``exercises/NAME.py`` for each name (together, in one pytest process of their own) and print the
    results with hints; never raises.

    ``exercises_dir`` defaults to ``$YOLOX_EDU_EXERCISES``, else ``./exercises``, else the course's own
    ``exercises/`` folder. An untouched stub prints "not done yet".
    """
    from yolox_edu.grading.report import format_check

    try:
        folder = Path(exercises_dir) if exercises_dir is not None else default_exercises_dir()
        for ex in grade(list(names), folder, together=True).exercises:
            print(format_check(ex, str(folder / f"{ex.name}.py")))
    except Exception as e:  # a notebook must keep running whatever happens here
        print(f"{', '.join(names)}: could not grade ({type(e).__name__}: {e})")
