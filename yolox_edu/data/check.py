"""Validate a COCO-format dataset and list its problems file by file.

``check_coco`` checks one split (json + image folder); ``find_splits`` lists the splits of a dataset
folder; ``category_mismatch`` compares two splits' categories; ``label_problems`` finds the dataset-wide
mistakes that train a detector on nothing (no boxes, normalised, [x1, y1, x2, y2] or centre boxes). The
trainer calls the last two before it starts, so it refuses the same data ``yolox-edu data check`` flags.
"""

from __future__ import annotations

import re
from collections import Counter
from pathlib import Path
from typing import NamedTuple

from PIL import Image

from yolox_edu.errors import UsageError

from .coco import load_coco_json

__all__ = ["Problem", "check_coco", "find_splits", "category_mismatch", "label_problems", "label_summary",
           "check_train_val"]

SPLIT_FILE = re.compile(r"instances_(.+)\.json")


class Problem(NamedTuple):
    """One problem: the file it concerns (json or image) and what is wrong."""

    file: str
    message: str


def find_splits(data_dir: str | Path) -> list[str]:
    """Split names of a COCO-layout folder: ``train`` for ``DIR/annotations/instances_train.json`` (sorted).

    Raises FileNotFoundError naming the folder when there is no ``annotations/`` or no instances file."""
    ann_dir = Path(data_dir) / "annotations"
    if not ann_dir.is_dir():
        raise FileNotFoundError(
            f"no annotations folder: {ann_dir} does not exist. A dataset folder in COCO layout holds "
            "annotations/instances_<split>.json and the images in <split>/; pass --ann FILE --images DIR "
            "for another layout")
    splits = sorted(m.group(1) for p in ann_dir.iterdir() if (m := SPLIT_FILE.fullmatch(p.name)))
    if not splits:
        found = ", ".join(sorted(p.name for p in ann_dir.iterdir())[:5]) or "nothing"
        raise FileNotFoundError(f"{ann_dir} holds no instances_<split>.json file (found: {found})")
    return splits


def category_mismatch(a: dict, b: dict, a_name: str = "train", b_name: str = "val") -> str | None:
    """None when two COCO jsons define the same categories (ids and names), else what differs.

    A model's label k is the k-th category id in sorted order of the json it was trained on; when the
    validation json numbers or names its categories differently, every label is scored as the wrong class."""
    cats_a = {c["id"]: c["name"] for c in a["categories"]}
    cats_b = {c["id"]: c["name"] for c in b["categories"]}
    if cats_a == cats_b:
        return None
    return (f"categories differ between {a_name} and {b_name}: {a_name} has {dict(sorted(cats_a.items()))}, "
            f"{b_name} has {dict(sorted(cats_b.items()))} (id: name). Every split must use the same ids for "
            "the same names, or predictions are scored as the wrong class (AP ≈ 0)")


def label_summary(data: dict) -> str:
    """One line: images, boxes per category name, images without boxes."""
    names = {c["id"]: c["name"] for c in data["categories"]}
    per_cat = Counter(names.get(a["category_id"], f"id {a['category_id']}") for a in data["annotations"])
    boxed = {a["image_id"] for a in data["annotations"]}
    empty = sum(im["id"] not in boxed for im in data["images"])
    cats = ", ".join(f"{n} {per_cat.get(n, 0)}" for n in names.values())
    return (f"{len(data['images'])} images, {len(data['annotations'])} boxes ({cats}), "
            f"{empty} image(s) without boxes")


def _looks_xyxy(boxes: list[list[float]], sizes: list[tuple], tol: float) -> bool:
    """Some boxes overflow their image as [x, y, w, h], yet every box reads as a valid [x1, y1, x2, y2]
    inside its image: the classic xyxy-written-as-xywh mistake."""
    overflow = any(W is not None and (x + w > W + tol or y + h > H + tol) for (x, y, w, h), (W, H) in zip(boxes, sizes))
    as_xyxy = all(x2 > x1 and y2 > y1 and (W is None or (x2 <= W + tol and y2 <= H + tol))
                  for (x1, y1, x2, y2), (W, H) in zip(boxes, sizes))
    return overflow and as_xyxy


def _looks_cxcywh(boxes: list[list[float]], sizes: list[tuple], tol: float) -> bool:
    """Some boxes overflow the right or bottom edge as [x, y, w, h], yet every box fits its image when read
    as [centre x, centre y, w, h]: YOLO-style centres (in pixels) written where COCO wants the top-left
    corner. Undetectable when no object comes within half its size of the right or bottom edge."""
    overflow = any(W is not None and (x + w > W + tol or y + h > H + tol) for (x, y, w, h), (W, H) in zip(boxes, sizes))
    as_centres = all(w > 0 and h > 0 and x - w / 2 >= -tol and y - h / 2 >= -tol
                     and (W is None or (x + w / 2 <= W + tol and y + h / 2 <= H + tol))
                     for (x, y, w, h), (W, H) in zip(boxes, sizes))
    return overflow and as_centres


def label_problems(data: dict, ann_file: str | Path, tol: float = 1.0) -> list[Problem]:
    """Dataset-wide label mistakes that leave a detector with nothing (or the wrong thing) to learn:
    no boxes on any image, boxes given as fractions of the image (YOLO txt style), and boxes written
    as [x1, y1, x2, y2] or as [centre x, centre y, w, h] where COCO's bbox is [x, y, width, height] in
    pixels from the top-left corner. Centres are caught only when some object lies within half its size
    of the right or bottom edge (then its box overflows); otherwise the json looks valid."""
    where = str(ann_file)
    images = {im["id"]: im for im in data["images"]}
    anns = [a for a in data["annotations"] if a["image_id"] in images]
    if data["images"] and not anns:
        lost = len(data["annotations"])
        return [Problem(where, "no image has a box: " + (
            f"all {lost} annotations name image_ids that no image has (were the ids renumbered?)" if lost else
            "the json holds no annotations") + "; a detector trained on it learns that nothing is ever there")]
    boxes = [a["bbox"] for a in anns]
    sizes = [(images[a["image_id"]].get("width"), images[a["image_id"]].get("height")) for a in anns]
    if boxes and all(max(b) <= 1.0 for b in boxes) and any(W is None or W > 2 for W, _ in sizes):
        return [Problem(where, f"all {len(boxes)} boxes are at most 1 px: they look normalised to 0–1 (YOLO txt "
                               "style); COCO's bbox is [x, y, width, height] in pixels of the image")]
    if boxes and _looks_xyxy(boxes, sizes, tol):
        return [Problem(where, "boxes look like [x1, y1, x2, y2]: some overflow their image as [x, y, width, "
                               "height], and all of them fit as corners; COCO's bbox is [x, y, width, height], "
                               "so convert with width = x2 - x1, height = y2 - y1")]
    if boxes and _looks_cxcywh(boxes, sizes, tol):
        return [Problem(where, "boxes look like [centre x, centre y, width, height]: some overflow the right or "
                               "bottom edge of their image as [x, y, width, height], and all of them fit when read "
                               "as centres; COCO's bbox starts at the top-left corner, so convert with "
                               "x = cx - width / 2, y = cy - height / 2")]
    return []


def check_train_val(train: dict, val: dict, train_file: str | Path, val_file: str | Path) -> None:
    """Raise ValueError, naming the file and the fix, when training on ``train`` and scoring on ``val``
    (COCO jsons) cannot work: a split without usable boxes, or categories that differ between them."""
    for data, path in ((train, train_file), (val, val_file)):
        problems = label_problems(data, path)
        if problems:
            raise UsageError(f"{path}: {problems[0].message}. Run `yolox-edu data check` on the dataset folder")
    mismatch = category_mismatch(train, val, Path(train_file).name, Path(val_file).name)
    if mismatch:
        raise UsageError(mismatch)


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


def _check_annotation(ann: dict, images: dict, cat_ids: set, image_dir: Path, tol: float, ann_file: Path
                      ) -> list[Problem]:
    info = images.get(ann["image_id"])
    if info is None:
        return [Problem(str(ann_file), f"annotation {ann['id']}: unknown image_id {ann['image_id']}")]
    where = str(image_dir / info["file_name"])
    problems = []
    if ann["category_id"] not in cat_ids:
        problems.append(Problem(where, f"annotation {ann['id']}: unknown category_id {ann['category_id']}"))
    x, y, w, h = ann["bbox"]
    if w <= 0 or h <= 0:
        problems.append(Problem(where, f"annotation {ann['id']}: empty box (w={w}, h={h})"))
    W, H = info.get("width"), info.get("height")
    if x < -tol or y < -tol or (W is not None and x + w > W + tol) or (H is not None and y + h > H + tol):
        box = ", ".join(f"{v:g}" for v in (x, y, w, h))
        problems.append(Problem(where, f"annotation {ann['id']}: box [{box}] (xywh) lies "
                                       f"outside the {W}x{H} image"))
    return problems


def check_coco(ann_file: str | Path, image_dir: str | Path, decode: bool = True, tol: float = 1.0,
               data: dict | None = None) -> list[Problem]:
    """All problems found: malformed json (naming the field), duplicate ids, missing or unreadable
    images, size mismatches, unknown image/category ids, empty boxes and boxes outside their image
    (by more than ``tol`` px), and the dataset-wide mistakes of ``label_problems``. ``decode=False``
    only reads image headers (fast). ``data``: the json already read with ``load_coco_json``."""
    ann_file, image_dir = Path(ann_file), Path(image_dir)
    try:
        data = load_coco_json(ann_file) if data is None else data
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
    problems += label_problems(data, ann_file, tol)
    for ann in data["annotations"]:
        problems += _check_annotation(ann, images, cat_ids, image_dir, tol, ann_file)
    return problems
