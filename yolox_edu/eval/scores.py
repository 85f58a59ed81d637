"""The COCO protocol's constants and its summary: precision array → AP, AP50, …, AR100, per-class AP.

Both the pycocotools path (``coco_evaluate``) and the from-scratch path (``evaluate_scratch``) fill
the same arrays and summarise them here, so their reports have identical keys and meaning.

Shapes: T = 10 IoU thresholds, R = 101 recall points, K classes, A = 4 area ranges, M = 3 max-dets.
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np
from pycocotools.coco import COCO

__all__ = ["IOU_THRESHOLDS", "RECALL_POINTS", "AREA_RANGES", "MAX_DETS", "METRIC_KEYS", "METRIC_DEFINITIONS",
           "CocoScores", "summarize", "category_info"]

IOU_THRESHOLDS = np.linspace(0.5, 0.95, 10)  # (T,) exactly COCO's floats (0.5499999… included)
RECALL_POINTS = np.linspace(0.0, 1.0, 101)  # (R,)
AREA_RANGES = {"all": (0.0, 1e10), "small": (0.0, 32.0**2), "medium": (32.0**2, 96.0**2), "large": (96.0**2, 1e10)}
MAX_DETS = (1, 10, 100)

# key → (AP or AR, IoU threshold or None for the 0.50:0.95 mean, area range, max detections)
METRIC_DEFINITIONS = {
    "AP": ("ap", None, "all", 100), "AP50": ("ap", 0.5, "all", 100), "AP75": ("ap", 0.75, "all", 100),
    "APs": ("ap", None, "small", 100), "APm": ("ap", None, "medium", 100), "APl": ("ap", None, "large", 100),
    "AR1": ("ar", None, "all", 1), "AR10": ("ar", None, "all", 10), "AR100": ("ar", None, "all", 100),
    "ARs": ("ar", None, "small", 100), "ARm": ("ar", None, "medium", 100), "ARl": ("ar", None, "large", 100),
}
METRIC_KEYS = tuple(METRIC_DEFINITIONS)  # in COCOeval.stats order


@dataclass
class CocoScores:
    """COCO box metrics, as fractions; -1 where undefined (no regular gt in that area range / class).

    ``precision`` (T, R, K, A, M) is COCOeval's interpolated precision (the PR curves); ``recall`` is
    (T, K, A, M). Areas are ordered all, small, medium, large; max-dets 1, 10, 100.
    """

    metrics: dict[str, float]
    per_class: dict[str, float]
    precision: np.ndarray
    recall: np.ndarray
    class_names: list[str]
    category_ids: list[int]

    def to_dict(self) -> dict:
        """The metrics.json content: every ``METRIC_KEYS`` entry plus ``per_class`` {name: AP}."""
        return {**self.metrics, "per_class": dict(self.per_class)}


def category_info(coco: COCO) -> tuple[list[int], list[str]]:
    """Contiguous label l ↔ COCO category id ``cat_ids[l]`` (sorted ids) and the class names in that order."""
    cat_ids = sorted(coco.getCatIds())
    names = [str(coco.cats[c].get("name", c)) for c in cat_ids]
    dup = {n for n in names if names.count(n) > 1}
    return cat_ids, [f"{n} ({c})" if n in dup else n for n, c in zip(names, cat_ids)]


def _mean_defined(values: np.ndarray) -> float:
    """Mean over entries > -1 (COCO's rule), -1 if there are none."""
    defined = values[values > -1]
    return float(np.mean(defined)) if defined.size else -1.0


def summarize(precision: np.ndarray, recall: np.ndarray, coco_gt: COCO, max_dets=MAX_DETS) -> CocoScores:
    """COCOeval.summarize's 12 numbers (as a dict) and the per-class AP@[.5:.95] (all areas, 100 dets)."""
    areas, max_dets = list(AREA_RANGES), list(max_dets)
    metrics = {}
    for key, (kind, iou, area, max_det) in METRIC_DEFINITIONS.items():
        a, m = areas.index(area), max_dets.index(max_det)
        values = precision[..., a, m] if kind == "ap" else recall[..., a, m]  # (T, R, K) or (T, K)
        if iou is not None:
            values = values[np.flatnonzero(IOU_THRESHOLDS == iou)]
        metrics[key] = _mean_defined(values)
    cat_ids, names = category_info(coco_gt)
    last = max_dets.index(100)
    per_class = {name: _mean_defined(precision[:, :, k, 0, last]) for k, name in enumerate(names)}
    return CocoScores(metrics, per_class, precision, recall, names, cat_ids)
