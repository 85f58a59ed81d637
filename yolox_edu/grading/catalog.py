"""The exercises in course order, and where the learner's files are. Imports nothing heavy (the CLI uses it).

Each exercise ``NAME`` is a stub ``exercises/NAME.py``, a reference ``solutions/NAME.py`` and a pytest module
``yolox_edu/grading/tests/test_NAME.py`` that grades it.
"""

from __future__ import annotations

import os
from pathlib import Path

from yolox_edu.errors import UsageError

__all__ = ["EXERCISES", "NOTEBOOK_OF", "LIBRARY_OF", "ENV_DIR", "check_names", "default_exercises_dir"]

ENV_DIR = "YOLOX_EDU_EXERCISES"  # a folder of NAME.py files that the grading tests import instead of ./exercises

# name → the notebook whose "Your turn" section it belongs to
NOTEBOOK_OF: dict[str, str] = {
    "boxes": "01", "focus": "02", "csp": "02", "encode": "04", "nms": "04", "center_sampling": "05",
    "predict": "05", "simota_cost": "06", "dynamic_k": "06", "break_simota": "06", "ota": "06", "iou_loss": "07",
    "mosaic": "08", "lr_schedule": "09", "precision_recall": "10", "average_precision": "10",
    "cocoeval_lite": "10", "coco_format": "12", "anchor_decode": "13", "anchor_match": "13",
}
EXERCISES: tuple[str, ...] = tuple(NOTEBOOK_OF)

# name → the library's version of the exercise (dotted names), or a sentence saying why there is none;
# the notebooks show it after the exercise with ``course.show_library(name)``
LIBRARY_OF: dict[str, tuple[str, ...] | str] = {
    "boxes": ("yolox_edu.boxes.cxcywh_to_xyxy", "yolox_edu.boxes.xyxy_to_cxcywh", "yolox_edu.boxes.pairwise_iou"),
    "focus": ("yolox_edu.models.blocks.Focus",),
    "csp": ("yolox_edu.models.blocks.BaseConv", "yolox_edu.models.blocks.Bottleneck",
            "yolox_edu.models.blocks.CSPLayer"),
    "encode": ("yolox_edu.decode.decode_boxes", "yolox_edu.loss.l1_targets"),
    "nms": ("yolox_edu.decode.postprocess",),
    "center_sampling": ("yolox_edu.assign.sampling.in_box_mask", "yolox_edu.assign.sampling.in_center_mask",
                        "yolox_edu.assign.sampling.candidate_mask"),
    "predict": ("yolox_edu.grid.make_grid", "yolox_edu.assign.matching.dynamic_k"),
    "simota_cost": ("yolox_edu.assign.cost.class_cost",),
    "dynamic_k": ("yolox_edu.assign.matching.dynamic_k", "yolox_edu.assign.matching.select_lowest_cost",
                  "yolox_edu.assign.matching.resolve_conflicts"),
    "break_simota": "there is no library scene: your scenes were graded by running the library's assigners "
                    "(yolox_edu.assign.simota_assign and center_assign) on them, as the notebook did above.",
    "ota": ("yolox_edu.assign.ota.sinkhorn", "yolox_edu.assign.ota.sinkhorn_ota"),
    "iou_loss": ("yolox_edu.boxes.aligned_iou", "yolox_edu.loss.iou_loss"),
    "mosaic": ("yolox_edu.data.mosaic_mixup.mosaic_tile", "yolox_edu.data.mosaic_mixup._mosaic_boxes"),
    "lr_schedule": ("yolox_edu.train.schedule.yolox_lr",),
    "precision_recall": ("yolox_edu.eval.ap.match_detections", "yolox_edu.eval.ap.precision_recall"),
    "average_precision": ("yolox_edu.eval.ap.interpolated_precision", "yolox_edu.eval.ap.interpolated_ap"),
    "cocoeval_lite": "the library does not re-implement COCOeval: it scores with pycocotools itself "
                     "(yolox_edu.eval.coco_eval), the reference your cocoeval_lite was graded against.",
    "coco_format": "the library reads COCO json and has no YOLO-label converter; your yolo_to_coco is the one the "
                   "course uses for your own data (notebook 12).",
    "anchor_decode": ("yolox_edu.decode.decode_anchor_boxes",),
    "anchor_match": ("yolox_edu.assign.yolov3.darknet_match",),
}


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
