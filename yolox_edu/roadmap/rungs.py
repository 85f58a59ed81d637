"""The paper's roadmap (YOLOX Table 2, YOLOX-Darknet53 on COCO val): six rungs, each one switch more.

| rung          | what changes                           | switches                                   |
|---------------|----------------------------------------|--------------------------------------------|
| ``yolov3``    | the baseline: coupled head, anchors    | head=coupled, anchors, assigner=yolov3     |
| ``decoupled`` | + decoupled head                       | head=decoupled                             |
| ``strong-aug``| + Mosaic and MixUp                     | aug.mosaic_prob=1, aug.mixup_prob=1        |
| ``anchor-free``| + one prediction per cell, no anchors | anchors=none, assigner=center-1            |
| ``multi-pos`` | + the 3×3 cells around the centre      | assigner=center-3x3                        |
| ``simota``    | + SimOTA                               | assigner=simota                            |

Values only (no torch): ``--list`` and the notebook read them without loading a model.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any

from yolox_edu.errors import UsageError

__all__ = ["Rung", "RUNGS", "RUNG_NAMES", "rung_overrides", "select_rungs", "PAPER_SOURCE"]

PAPER_SOURCE = "YOLOX paper (arXiv 2107.08430) Table 2: YOLOX-Darknet53, COCO val, 640², 300 epochs"


@dataclass(frozen=True)
class Rung:
    """One row of Table 2: its switches (config overrides) and what the paper measured."""

    name: str
    label: str
    switches: dict[str, Any] = field(default_factory=dict)
    paper_ap: float = 0.0
    paper_params_m: float = 0.0
    paper_gflops: float = 0.0


_NO_AUG = {"aug.mosaic_prob": 0.0, "aug.mixup_prob": 0.0}
_STRONG = {"aug.mosaic_prob": 1.0, "aug.mixup_prob": 1.0}
_ANCHORED = {"model.anchors": "ANCHORS", "model.assigner": "yolov3"}  # "ANCHORS": the ladder's anchors

RUNGS: tuple[Rung, ...] = (
    Rung("yolov3", "YOLOv3 baseline", {"model.head": "coupled", **_ANCHORED, **_NO_AUG}, 38.5, 63.00, 157.3),
    Rung("decoupled", "+decoupled head", {"model.head": "decoupled", **_ANCHORED, **_NO_AUG}, 39.6, 63.86, 186.0),
    Rung("strong-aug", "+strong augmentation", {"model.head": "decoupled", **_ANCHORED, **_STRONG}, 42.0, 63.86,
         186.0),
    Rung("anchor-free", "+anchor-free", {"model.head": "decoupled", "model.anchors": "none",
                                         "model.assigner": "center-1", **_STRONG}, 42.9, 63.72, 185.3),
    Rung("multi-pos", "+multi positives", {"model.head": "decoupled", "model.anchors": "none",
                                           "model.assigner": "center-3x3", **_STRONG}, 45.0, 63.72, 185.3),
    Rung("simota", "+SimOTA", {"model.head": "decoupled", "model.anchors": "none", "model.assigner": "simota",
                               **_STRONG}, 47.3, 63.72, 185.3),
)
RUNG_NAMES: tuple[str, ...] = tuple(r.name for r in RUNGS)


def rung_overrides(rung: Rung, anchors: Any = "yolov3") -> dict[str, Any]:
    """The rung's config overrides, with ``anchors`` (``"yolov3"`` or k-means pairs) where it uses anchors."""
    return {k: (anchors if v == "ANCHORS" else v) for k, v in rung.switches.items()}


def select_rungs(names: str | None = None) -> list[Rung]:
    """Rungs by comma-separated names (``"yolov3,simota"``), in the paper's order; all when None."""
    if not names:
        return list(RUNGS)
    wanted = [n.strip() for n in names.split(",") if n.strip()]
    unknown = [n for n in wanted if n not in RUNG_NAMES]
    if unknown:
        raise UsageError(f"unknown rung(s) {', '.join(unknown)}; choose from: {', '.join(RUNG_NAMES)}")
    return [r for r in RUNGS if r.name in wanted]
