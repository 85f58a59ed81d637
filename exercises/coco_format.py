"""Exercise: YOLO-format label files → a COCO annotations dict — notebook 12 ("Your turn").

Replace each ``raise NotImplementedError`` with your code, then grade it:

    yolox-edu grade coco_format                                 # in a terminal, from the course folder
    from yolox_edu.grading import check; check("coco_format")   # in the notebook

Plain Python (numpy allowed). A YOLO label file has one line per object, ``"class cx cy w h"``, the box
normalised by the image size (values in 0..1), the class counted from 0. COCO wants ``bbox = [x, y, w, h]``
in pixels with (x, y) the TOP-LEFT corner, and ids that start at 1 (a category id off by one is the
classic cause of AP = 0 on custom data).
"""

from __future__ import annotations


def yolo_line_to_xywh(line: str, width: int, height: int) -> tuple[int, list[float]]:
    """One label line → (class index, [x, y, w, h] in pixels).

    Args:
        line: "class cx cy w h" (whitespace separated, maybe a trailing newline); width, height: image size.

    Returns:
        (int class, [x, y, w, h] floats): the box in pixels, clipped to the image (x in [0, width], y in
        [0, height]) before its width and height are taken.

    Example:
        yolo_line_to_xywh("0 0.5 0.5 0.2 0.4", 100, 50) → (0, [40.0, 15.0, 20.0, 20.0])
    """
    raise NotImplementedError


def yolo_to_coco(images: list[dict], class_names: list[str]) -> dict:
    """A COCO annotations dict for a folder of YOLO labels.

    Args:
        images: one dict per image, ``{"file_name": str, "width": int, "height": int, "lines": [str, ...]}``
            (the lines of its label file; blank lines are skipped; an image may have no lines);
        class_names: name of class 0, 1, ...

    Returns:
        ``{"images": [...], "annotations": [...], "categories": [...]}`` where image k (in list order) is
        ``{"id": k + 1, "file_name", "width", "height"}``; annotations are numbered 1, 2, … across all images,
        each ``{"id", "image_id", "category_id": class + 1, "bbox": [x, y, w, h], "area": w · h,
        "iscrowd": 0}``; categories are ``{"id": c + 1, "name": class_names[c]}``. A class index outside
        0..len(class_names) − 1 raises ValueError naming the file.

    Example:
        one image "a.jpg" 100×50 with the line "1 0.5 0.5 0.2 0.4" and class_names ["cat", "dog"] →
        an annotation {"id": 1, "image_id": 1, "category_id": 2, "bbox": [40.0, 15.0, 20.0, 20.0],
        "area": 400.0, "iscrowd": 0}.
    """
    raise NotImplementedError
