"""COCO results files and scoring them with pycocotools' COCOeval.

A results file is COCO's detection format: a json list of
``{"image_id": int, "category_id": int, "bbox": [x, y, w, h], "score": float}`` in original image
pixels and original category ids. ``load_results`` checks it field by field; ``validate_results``
checks the ids against the ground truth (pycocotools would assert on unknown images and silently drop
unknown categories); ``coco_evaluate`` also copes with an empty list (pycocotools' loadRes crashes).
"""

from __future__ import annotations

import contextlib
import io
import json
import math
from pathlib import Path

import numpy as np
from pycocotools.coco import COCO
from pycocotools.cocoeval import COCOeval

from yolox_edu.data.coco import read_json
from yolox_edu.errors import UsageError
from yolox_edu.eval.scores import CocoScores, summarize

__all__ = ["load_coco_gt", "load_results", "check_results", "validate_results", "results_to_coco",
           "coco_evaluate", "save_results"]

_FIELDS = ("image_id", "category_id", "bbox", "score")


def load_coco_gt(ann_file: str | Path) -> COCO:
    """Load a COCO instances json quietly; a missing ``area`` is filled with the box w·h (COCOeval needs it)."""
    path = Path(ann_file)
    dataset = read_json(path)
    for key in ("images", "categories"):
        if not isinstance(dataset, dict) or not isinstance(dataset.get(key), list):
            raise UsageError(f"{path}: a COCO instances file needs a '{key}' list")
    dataset.setdefault("annotations", [])
    for i, ann in enumerate(dataset["annotations"]):
        if not isinstance(ann.get("bbox"), list) or len(ann["bbox"]) != 4:
            raise UsageError(f"{path}: annotations[{i}] field 'bbox' must be [x, y, w, h]")
        ann.setdefault("area", float(ann["bbox"][2] * ann["bbox"][3]))
        ann.setdefault("iscrowd", 0)
    coco = COCO()
    coco.dataset = dataset
    with contextlib.redirect_stdout(io.StringIO()):
        coco.createIndex()
    return coco


def _is_number(x: object) -> bool:
    return isinstance(x, (int, float)) and not isinstance(x, bool) and math.isfinite(x)


def check_results(results: object, source: str = "detections") -> list[dict]:
    """Check the shape of a COCO results list; errors name ``source``, the entry and the field."""
    if not isinstance(results, list):
        raise UsageError(f"{source}: a COCO results file must be a JSON list of detections, "
                         f"got {type(results).__name__}")
    for i, det in enumerate(results):
        where = f"{source}: entry {i}"
        if not isinstance(det, dict):
            raise UsageError(f"{where} must be an object with fields {', '.join(_FIELDS)}")
        missing = [f for f in _FIELDS if f not in det]
        if missing:
            raise UsageError(f"{where} lacks field '{missing[0]}' (needs {', '.join(_FIELDS)})")
        for f in ("image_id", "category_id"):
            if not isinstance(det[f], int) or isinstance(det[f], bool):
                raise UsageError(f"{where} field '{f}' must be an integer, got {det[f]!r}")
        box = det["bbox"]
        if not (isinstance(box, list) and len(box) == 4 and all(_is_number(v) for v in box)):
            raise UsageError(f"{where} field 'bbox' must be 4 finite numbers [x, y, w, h], got {box!r}")
        if box[2] < 0 or box[3] < 0:
            raise UsageError(f"{where} field 'bbox' has a negative width or height: {box!r} (COCO uses x, y, w, h)")
        if not _is_number(det["score"]):
            raise UsageError(f"{where} field 'score' must be a finite number, got {det['score']!r}")
    return results


def load_results(path: str | Path) -> list[dict]:
    """Read and check a COCO results json file."""
    return check_results(read_json(path, "detections file"), str(path))


def save_results(results: list[dict], path: str | Path) -> Path:
    """Write a COCO results list as json (creating the folder)."""
    path = Path(path)
    path.parent.mkdir(parents=True, exist_ok=True)
    path.write_text(json.dumps(results))
    return path


def validate_results(results: list[dict], coco_gt: COCO, source: str = "detections") -> None:
    """Every detection must name an image and a category of the ground truth; the error lists offenders."""
    for field, known, what in (("image_id", set(coco_gt.getImgIds()), "images"),
                               ("category_id", set(coco_gt.getCatIds()), "categories")):
        unknown = sorted({d[field] for d in results} - known)
        if unknown:
            shown = ", ".join(map(str, unknown[:5])) + (" …" if len(unknown) > 5 else "")
            raise UsageError(f"{source}: {len(unknown)} {field} value(s) not in the ground truth {what}: {shown}. "
                             f"Are these detections for this split (and in original COCO category ids)?")


def results_to_coco(coco_gt: COCO, results: list[dict]) -> COCO:
    """Results as a COCO object, as pycocotools' loadRes builds it (area = w·h, ids from 1, not crowd),
    but also for an empty list."""
    anns = [dict(d, area=float(d["bbox"][2] * d["bbox"][3]), id=i + 1, iscrowd=0) for i, d in enumerate(results)]
    dt = COCO()
    dt.dataset = {"images": list(coco_gt.dataset["images"]), "categories": list(coco_gt.dataset["categories"]),
                  "annotations": anns}
    with contextlib.redirect_stdout(io.StringIO()):
        dt.createIndex()
    return dt


def coco_evaluate(coco_gt: COCO, results: list[dict], source: str = "detections") -> CocoScores:
    """Score COCO-format detections with pycocotools' COCOeval (bbox): AP, AP50, …, AR100, per-class AP."""
    validate_results(check_results(results, source), coco_gt, source)
    evaluator = COCOeval(coco_gt, results_to_coco(coco_gt, results), "bbox")
    with contextlib.redirect_stdout(io.StringIO()):  # COCOeval prints progress lines
        evaluator.evaluate()
        evaluator.accumulate()
    precision = np.asarray(evaluator.eval["precision"])  # (T, R, K, A, M)
    recall = np.asarray(evaluator.eval["recall"])  # (T, K, A, M)
    return summarize(precision, recall, coco_gt, evaluator.params.maxDets)
