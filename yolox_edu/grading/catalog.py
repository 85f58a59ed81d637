"""The exercises in course order, and where the learner's files are. Imports nothing heavy (the CLI uses it).

Each exercise ``NAME`` is a stub ``exercises/NAME.py``, a reference ``solutions/NAME.py`` and a pytest module
``yolox_edu/grading/tests/test_NAME.py`` that grades it.
"""

from __future__ import annotations

import os
from pathlib import Path

from yolox_edu.errors import UsageError

__all__ = ["EXERCISES", "NOTEBOOK_OF", "ENV_DIR", "check_names", "default_exercises_dir"]

ENV_DIR = "YOLOX_EDU_EXERCISES"  # a folder of NAME.py files that the grading tests import instead of ./exercises

# name → the notebook whose "Your turn" section it belongs to
NOTEBOOK_OF: dict[str, str] = {
    "boxes": "01", "focus": "02", "csp": "02", "encode": "04", "nms": "04", "center_sampling": "05",
    "predict": "05", "simota_cost": "06", "dynamic_k": "06", "break_simota": "06", "ota": "06", "iou_loss": "07",
    "mosaic": "08", "lr_schedule": "09", "precision_recall": "10", "average_precision": "10",
    "cocoeval_lite": "10", "coco_format": "12", "anchor_decode": "13", "anchor_match": "13",
}
EXERCISES: tuple[str, ...] = tuple(NOTEBOOK_OF)


def check_names(names: list[str] | tuple[str, ...]) -> list[str]:
    """The names asked for (all when none), without repeats; ValueError on an unknown one."""
    unknown = [n for n in names if n not in NOTEBOOK_OF]
    if unknown:
        raise UsageError(f"unknown exercise(s) {', '.join(unknown)}; choose from {', '.join(EXERCISES)}")
    return list(dict.fromkeys(names)) or list(EXERCISES)


def default_exercises_dir() -> Path:
    """``$YOLOX_EDU_EXERCISES``, else ``./exercises`` or ``../exercises`` (a notebook in the course's
    ``notebooks/``, also with yolox_edu installed from a wheel), else the ``exercises/`` of the source
    checkout that holds the package."""
    env = os.environ.get(ENV_DIR)
    if env:
        return Path(env)
    for folder in (Path.cwd(), Path.cwd().parent):
        if (folder / "exercises").is_dir():
            return folder / "exercises"
    return Path(__file__).resolve().parents[2] / "exercises"
