"""Assignment rules by name, for configs and the paper's ablation (``ModelConfig.assigner``).

| name              | rule                                                                        |
|-------------------|-----------------------------------------------------------------------------|
| ``simota``        | official 0.3.0 SimOTA (default): candidates in box OR in center (radius 2.5) |
| ``simota-geometry``| later official rule: candidates in center only (radius 1.5), penalty 1e6    |
| ``center-3x3``    | "multi positives": the 3×3 cells around the gt center on its fitting level   |
| ``center-1``      | one positive: the cell containing the gt center on its fitting level         |
| ``yolov3``        | anchors only: the darknet rule, one anchor of one cell per gt, ignore mask   |

``ASSIGNER_NAMES`` are the anchor-free rules; ``ANCHOR_ASSIGNER_NAMES`` need ``ModelConfig.anchors``.

Each entry is a plain function with some keyword arguments fixed, so "go to definition" still lands
on real code: ``simota.simota_assign_batched`` or ``center.center_assign_batched``.
"""

from __future__ import annotations

from collections.abc import Callable
from functools import partial

from yolox_edu.assign.center import center_assign, center_assign_batched
from yolox_edu.assign.result import AssignResult
from yolox_edu.assign.simota import GEOMETRY_RULE, simota_assign
from yolox_edu.assign.simota_batched import simota_assign_batched
from yolox_edu.assign.yolov3 import yolov3_assign, yolov3_assign_batched

__all__ = ["ASSIGNER_NAMES", "ANCHOR_ASSIGNER_NAMES", "get_assigner", "assign"]


_BATCHED: dict[str, Callable[..., AssignResult]] = {
    "simota": simota_assign_batched,
    "simota-geometry": partial(simota_assign_batched, **GEOMETRY_RULE),
    "center-3x3": partial(center_assign_batched, patch=3),
    "center-1": partial(center_assign_batched, patch=1),
}
_PER_IMAGE: dict[str, Callable[..., AssignResult]] = {
    "simota": simota_assign,
    "simota-geometry": partial(simota_assign, **GEOMETRY_RULE),
    "center-3x3": partial(center_assign, patch=3),
    "center-1": partial(center_assign, patch=1),
}
ASSIGNER_NAMES: tuple[str, ...] = tuple(_BATCHED)
ANCHOR_ASSIGNER_NAMES: tuple[str, ...] = ("yolov3",)
_BATCHED["yolov3"] = yolov3_assign_batched
_PER_IMAGE["yolov3"] = yolov3_assign


def get_assigner(name: str, *, batched: bool = True) -> Callable[..., AssignResult]:
    """The assignment function called ``name``.

    Batched functions take ``(pred_boxes, cls_logits, obj_logits, gt_boxes, gt_classes, gt_valid, grid)``
    with a leading B; per-image ones take the same without B and without ``gt_valid``.
    """
    table = _BATCHED if batched else _PER_IMAGE
    if name not in table:
        known = ", ".join(ASSIGNER_NAMES + ANCHOR_ASSIGNER_NAMES)
        raise ValueError(f"unknown assigner {name!r}; choose one of: {known}")
    return table[name]


def assign(name: str, *args, **kwargs) -> AssignResult:
    """Run the batched rule ``name``: ``assign("simota", pred_boxes, cls, obj, gt_boxes, gt_cls, valid, grid)``."""
    return get_assigner(name)(*args, **kwargs)
