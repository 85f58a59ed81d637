"""Class names: the 80 COCO classes (contiguous label order) and loading custom names."""

from __future__ import annotations

import json
from pathlib import Path

from yolox_edu.errors import UsageError

__all__ = ["COCO_CLASSES", "COCO_CATEGORY_IDS", "coco80_label_ids", "read_class_names"]

COCO_CLASSES: tuple[str, ...] = (
    "person", "bicycle", "car", "motorcycle", "airplane", "bus", "train", "truck", "boat", "traffic light",
    "fire hydrant", "stop sign", "parking meter", "bench", "bird", "cat", "dog", "horse", "sheep", "cow",
    "elephant", "bear", "zebra", "giraffe", "backpack", "umbrella", "handbag", "tie", "suitcase", "frisbee",
    "skis", "snowboard", "sports ball", "kite", "baseball bat", "baseball glove", "skateboard", "surfboard",
    "tennis racket", "bottle", "wine glass", "cup", "fork", "knife", "spoon", "bowl", "banana", "apple",
    "sandwich", "orange", "broccoli", "carrot", "hot dog", "pizza", "donut", "cake", "chair", "couch",
    "potted plant", "bed", "dining table", "toilet", "tv", "laptop", "mouse", "remote", "keyboard",
    "cell phone", "microwave", "oven", "toaster", "sink", "refrigerator", "book", "clock", "vase",
    "scissors", "teddy bear", "hair drier", "toothbrush",
)

# COCO's category id of each of the 80 contiguous labels (ids run 1..90 with gaps).
COCO_CATEGORY_IDS: tuple[int, ...] = (
    1, 2, 3, 4, 5, 6, 7, 8, 9, 10, 11, 13, 14, 15, 16, 17, 18, 19, 20, 21, 22, 23, 24, 25, 27, 28, 31, 32, 33, 34,
    35, 36, 37, 38, 39, 40, 41, 42, 43, 44, 46, 47, 48, 49, 50, 51, 52, 53, 54, 55, 56, 57, 58, 59, 60, 61, 62, 63,
    64, 65, 67, 70, 72, 73, 74, 75, 76, 77, 78, 79, 80, 81, 82, 84, 85, 86, 87, 88, 89, 90,
)


def coco80_label_ids(categories: dict[int, str]) -> tuple[int, ...] | None:
    """``COCO_CATEGORY_IDS`` when every dataset category ``{id: name}`` is a COCO category under its COCO
    id and name (a COCO subset, e.g. the bundled photos), else None.

    A model trained on all 80 COCO classes can then be scored on the subset: label l is category
    ``COCO_CATEGORY_IDS[l]`` and detections of classes the dataset lacks are dropped."""
    by_id = dict(zip(COCO_CATEGORY_IDS, COCO_CLASSES))
    ok = bool(categories) and all(by_id.get(int(i), "").lower() == str(n).lower() for i, n in categories.items())
    return COCO_CATEGORY_IDS if ok else None


def read_class_names(path: str | Path) -> list[str]:
    """Class names from a COCO annotation json (categories sorted by id) or a text file, one per line."""
    path = Path(path)
    if not path.is_file():
        raise FileNotFoundError(f"class-names file not found: {path}")
    if path.suffix == ".json":
        try:
            cats = json.loads(path.read_text())["categories"]
            return [c["name"] for c in sorted(cats, key=lambda c: c["id"])]
        except (json.JSONDecodeError, KeyError, TypeError) as e:
            raise UsageError(f"{path}: expected a COCO json with 'categories' [{{'id', 'name'}}, ...] ({e})") from None
    names = [line.strip() for line in path.read_text().splitlines() if line.strip()]
    if not names:
        raise UsageError(f"{path}: no class names (expected one name per line)")
    return names
