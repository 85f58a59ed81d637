"""YOLO-format label files → a COCO annotations dict (notebook 12_custom_data). Reference answers for
``exercises/coco_format.py``.

A YOLO label line is ``"class cx cy w h"`` with the box normalised by the image size (0..1); COCO boxes
are ``[x, y, w, h]`` in pixels (top-left corner), and COCO ids start at 1.
"""

from __future__ import annotations


def yolo_line_to_xywh(line: str, width: int, height: int) -> tuple[int, list[float]]:
    """One label line → (class index, [x, y, w, h] pixels), the box clipped to the image."""
    parts = line.split()
    if len(parts) != 5:
        raise ValueError(f"a YOLO label line has 5 numbers 'class cx cy w h', got {line!r}")
    cls = int(parts[0])
    cx, cy, w, h = (float(v) for v in parts[1:])
    x1, y1 = max((cx - w / 2) * width, 0.0), max((cy - h / 2) * height, 0.0)
    x2, y2 = min((cx + w / 2) * width, float(width)), min((cy + h / 2) * height, float(height))
    return cls, [x1, y1, x2 - x1, y2 - y1]


def yolo_to_coco(images: list[dict], class_names: list[str]) -> dict:
    """Build {"images", "annotations", "categories"} from ``images``: dicts with ``file_name``, ``width``,
    ``height`` and ``lines`` (the label file's lines; blank lines are skipped).

    Image k gets id k + 1; annotations are numbered 1, 2, … in order; class c becomes category_id c + 1;
    ``area`` = w · h of the clipped box; ``iscrowd`` = 0. A class index outside the names is a ValueError."""
    out = {"images": [], "annotations": [],
           "categories": [{"id": c + 1, "name": name} for c, name in enumerate(class_names)]}
    for k, image in enumerate(images):
        out["images"].append({"id": k + 1, "file_name": image["file_name"], "width": image["width"],
                              "height": image["height"]})
        for line in image["lines"]:
            if not line.strip():
                continue
            cls, box = yolo_line_to_xywh(line, image["width"], image["height"])
            if not 0 <= cls < len(class_names):
                raise ValueError(f"{image['file_name']}: class {cls} is not in 0..{len(class_names) - 1}")
            out["annotations"].append({"id": len(out["annotations"]) + 1, "image_id": k + 1,
                                       "category_id": cls + 1, "bbox": box, "area": box[2] * box[3],
                                       "iscrowd": 0})
    return out
