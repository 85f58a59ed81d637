"""Text table and metrics.json for a ``CocoScores``."""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

from yolox_edu.eval.scores import METRIC_DEFINITIONS, METRIC_KEYS, CocoScores

__all__ = ["SCALE_NOTE", "format_summary", "format_per_class", "format_report", "write_metrics"]

def _describe(key: str) -> str:
    """COCOeval.summarize's description of a metric, e.g. ``AP @[IoU=0.50      | area=   all | maxDets=100]``."""
    kind, iou, area, max_det = METRIC_DEFINITIONS[key]
    iou_text = "0.50:0.95" if iou is None else f"{iou:.2f}"
    return f"{kind.upper()} @[IoU={iou_text:<9} | area={area:>6} | maxDets={max_det:>3}]"


# One convention everywhere (this report, metrics.json, log.jsonl, the notebooks): fractions of 1, as
# pycocotools' COCOeval prints them. Papers and model zoos quote the same numbers × 100 ("40.5 AP").
SCALE_NOTE = "AP and AR as fractions of 1, as COCOeval prints them (papers quote × 100: 0.405 → 40.5 AP)"


def _frac(value: float) -> str:
    return "  n/a" if value < 0 else f"{value:5.3f}"


def format_summary(scores: CocoScores) -> str:
    """A line naming the scale, then COCO's 12 summary lines as fractions of 1 ("n/a" where undefined)."""
    lines = [f"{key:>6} {_describe(key)} = {_frac(scores.metrics[key])}" for key in METRIC_KEYS]
    return "\n".join([SCALE_NOTE, *lines])


def format_per_class(scores: CocoScores, columns: int = 3) -> str:
    """Per-class AP@[.50:.95] as fractions of 1, ``columns`` (class, AP) pairs per row."""
    width = max([len(n) for n in scores.class_names] + [5])
    cells = [f"{name:<{width}} {_frac(ap)}" for name, ap in scores.per_class.items()]
    header = "   ".join([f"{'class':<{width}} {'AP':>5}"] * min(columns, max(len(cells), 1)))
    rows = ["   ".join(cells[i:i + columns]) for i in range(0, len(cells), columns)]
    return "\n".join([header, "-" * len(header), *rows])


def format_report(scores: CocoScores, settings: dict[str, Any] | None = None) -> str:
    """Settings line (which protocol), summary lines and the per-class table."""
    head = ", ".join(f"{k}={v}" for k, v in (settings or {}).items())
    return "\n\n".join(part for part in (head, format_summary(scores), format_per_class(scores)) if part)


def write_metrics(scores: CocoScores, path: str | Path, settings: dict[str, Any] | None = None) -> Path:
    """metrics.json: AP, AP50, AP75, APs, APm, APl, AR1, AR10, AR100, ARs, ARm, ARl (fractions, -1 undefined),
    ``per_class`` {name: AP}, and ``settings`` (thresholds, input size, implementation)."""
    path = Path(path)
    path.parent.mkdir(parents=True, exist_ok=True)
    path.write_text(json.dumps({**scores.to_dict(), "settings": dict(settings or {})}, indent=2))
    return path
