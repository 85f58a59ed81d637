"""Validate a COCO-format dataset and list its problems file by file."""

from __future__ import annotations

from collections import Counter
from pathlib import Path
from typing import NamedTuple

from PIL import Image

from .coco import load_coco_json

__all__ = ["Problem", "check_coco"]


class Problem(NamedTuple):
    """One problem: the file it concerns (json or image) and what is wrong."""

    file: str
    message: str


def _check_image(path: Path, info: dict, decode: bool) -> list[Problem]:
    if not path.is_file():
        return [Problem(str(path), "missing image file")]
    try:
        with Image.open(path) as im:
            size = im.size
            if decode:
                im.load()
    except Exception as e:  # noqa: BLE001 - any decoder failure means an unreadable image
        return [Problem(str(path), f"unreadable image ({type(e).__name__}: {e})")]
    want = (info.get("width"), info.get("height"))
    if None not in want and tuple(want) != size:
        return [Problem(str(path), f"json says {want[0]}x{want[1]} but the file is {size[0]}x{size[1]}")]
    return []


def _check_annotation(ann: dict, images: dict, cat_ids: set, image_dir: Path, tol: float) -> list[Problem]:
    info = images.get(ann["image_id"])
    if info is None:
        return [Problem("annotations", f"annotation {ann['id']}: unknown image_id {ann['image_id']}")]
    where = str(image_dir / info["file_name"])
    problems = []
    if ann["category_id"] not in cat_ids:
        problems.append(Problem(where, f"annotation {ann['id']}: unknown category_id {ann['category_id']}"))
    x, y, w, h = ann["bbox"]
    if w <= 0 or h <= 0:
        problems.append(Problem(where, f"annotation {ann['id']}: empty box (w={w}, h={h})"))
    W, H = info.get("width"), info.get("height")
    if x < -tol or y < -tol or (W is not None and x + w > W + tol) or (H is not None and y + h > H + tol):
        problems.append(Problem(where, f"annotation {ann['id']}: box [{x}, {y}, {w}, {h}] (xywh) lies "
                                       f"outside the {W}x{H} image"))
    return problems


def check_coco(ann_file: str | Path, image_dir: str | Path, decode: bool = True, tol: float = 1.0
               ) -> list[Problem]:
    """All problems found: malformed json (naming the field), duplicate ids, missing or unreadable
    images, size mismatches, unknown image/category ids, empty boxes and boxes outside their image
    (by more than ``tol`` px). ``decode=False`` only reads image headers (fast)."""
    ann_file, image_dir = Path(ann_file), Path(image_dir)
    try:
        data = load_coco_json(ann_file)
    except (ValueError, FileNotFoundError) as e:
        return [Problem(str(ann_file), str(e))]
    problems = []
    for key in ("images", "annotations", "categories"):
        for dup, n in Counter(e["id"] for e in data[key]).items():
            if n > 1:
                problems.append(Problem(str(ann_file), f"{key}: id {dup} used {n} times"))
    images = {im["id"]: im for im in data["images"]}
    cat_ids = {c["id"] for c in data["categories"]}
    for info in data["images"]:
        problems += _check_image(image_dir / info["file_name"], info, decode)
    for ann in data["annotations"]:
        problems += _check_annotation(ann, images, cat_ids, image_dir, tol)
    return problems
