"""Grading tests of exercises/coco_format.py."""

from __future__ import annotations

import numpy as np
import pytest

from yolox_edu.grading.checks import Fail, expect, expect_array, expect_close

EXERCISE = "coco_format"


def reference_line(line: str, width: int, height: int) -> tuple[int, list[float]]:
    cls, cx, cy, w, h = line.split()
    cx, cy, w, h = float(cx) * width, float(cy) * height, float(w) * width, float(h) * height
    x1, y1 = max(cx - w / 2, 0.0), max(cy - h / 2, 0.0)
    x2, y2 = min(cx + w / 2, float(width)), min(cy + h / 2, float(height))
    return int(cls), [x1, y1, x2 - x1, y2 - y1]


def random_lines(rng: np.random.Generator, n: int, num_classes: int) -> list[str]:
    out = []
    for _ in range(n):
        cx, cy = rng.uniform(0.1, 0.9, 2)
        w, h = rng.uniform(0.05, 0.3, 2)
        out.append(f"{int(rng.integers(num_classes))} {cx:.6f} {cy:.6f} {w:.6f} {h:.6f}")
    return out


LINE_HINT = ("'class cx cy w h' are normalised: multiply x values by the image width and y values by its height; "
             "COCO's x, y is the TOP-LEFT corner = center − size/2. Example: '0 0.5 0.5 0.2 0.4' in a 100×50 "
             "(w×h) image → (0, [40, 15, 20, 20])")


def _expect_line(got, want, what: str) -> None:
    if not (isinstance(got, tuple) and len(got) == 2):
        raise Fail(f"{what}: expected a tuple (class, [x, y, w, h]), got {type(got).__name__}")
    expect(got[0] == want[0] and isinstance(got[0], int), f"{what}: wrong class index (or not an int)")
    expect_array(np.asarray(got[1], float), np.asarray(want[1], float), f"{what} box", atol=1e-3)


@pytest.mark.points(2)
@pytest.mark.hint(LINE_HINT)
def test_line_to_xywh_random(ex):
    rng = np.random.default_rng(150)
    for line in random_lines(rng, 6, 5):
        size = (int(rng.integers(100, 900)), int(rng.integers(100, 900)))
        _expect_line(ex.yolo_line_to_xywh(line, *size), reference_line(line, *size), f"'{line[:2]}…' in a {size} image")


@pytest.mark.points(1)
@pytest.mark.hint("labels may reach past the image (by rounding): clip x to [0, width] and y to "
                               "[0, height] before computing w and h")
def test_line_clipped_at_border(ex):
    for line in ("1 0.05 0.5 0.2 0.2", "0 0.98 0.99 0.1 0.1", "2 0.5 0.5 1.0 1.0"):
        _expect_line(ex.yolo_line_to_xywh(line, 200, 100), reference_line(line, 200, 100),
                     f"a box touching or crossing the border ({line!r} in 200×100)")


def reference_coco(images: list[dict], class_names: list[str]) -> dict:
    anns, imgs = [], []
    for k, image in enumerate(images):
        imgs.append(dict(id=k + 1, file_name=image["file_name"], width=image["width"], height=image["height"]))
        for line in filter(str.strip, image["lines"]):
            cls, box = reference_line(line, image["width"], image["height"])
            anns.append(dict(id=len(anns) + 1, image_id=k + 1, category_id=cls + 1, bbox=box, area=box[2] * box[3],
                             iscrowd=0))
    return dict(images=imgs, annotations=anns, categories=[dict(id=c + 1, name=n) for c, n in enumerate(class_names)])


def _expect_coco(got, want: dict, what: str) -> None:
    if not isinstance(got, dict) or not {"images", "annotations", "categories"} <= set(got):
        raise Fail(f"{what}: expected a dict with 'images', 'annotations' and 'categories'")
    for key in ("images", "categories"):  # extra keys are fine, the required ones must match
        entries = [{k: e.get(k) for k in w} for e, w in zip(got[key], want[key]) if isinstance(e, dict)]
        expect(entries == want[key], f"{what}: '{key}' differ from the reference (ids start at 1, in order)")
    expect(len(got["annotations"]) == len(want["annotations"]),
                f"{what}: expected {len(want['annotations'])} annotations, got {len(got['annotations'])}")
    for a, b in zip(got["annotations"], want["annotations"]):
        for key in ("id", "image_id", "category_id", "iscrowd"):
            expect(a.get(key) == b[key], f"{what}: annotation {b['id']} has the wrong '{key}'")
        expect_array(np.asarray(a.get("bbox"), float), np.asarray(b["bbox"], float),
                     f"{what}: annotation {b['id']} 'bbox'", atol=1e-3)
        expect_close(a.get("area"), b["area"], f"{what}: annotation {b['id']} 'area'", atol=1e-2, rtol=1e-5)


COCO_HINT = ("image k gets id k + 1; annotations are numbered 1, 2, … across all images; category_id = class + 1 "
             "(COCO ids start at 1: an id 0 or a shifted mapping is the classic cause of AP = 0); "
             "area = w·h; iscrowd = 0")


@pytest.mark.points(3)
@pytest.mark.hint(COCO_HINT)
def test_coco_dict_random(ex):
    rng = np.random.default_rng(151)
    images = [dict(file_name=f"{k:04d}.jpg", width=int(rng.integers(200, 700)), height=int(rng.integers(200, 700)),
                   lines=random_lines(rng, int(rng.integers(1, 5)), 3)) for k in range(4)]
    names = ["cat", "dog", "bird"]
    _expect_coco(ex.yolo_to_coco(images, names), reference_coco(images, names), "yolo_to_coco of 4 images")


@pytest.mark.points(1)
@pytest.mark.hint("skip blank lines (line.strip() == ''); an image without labels is still listed in "
                               "'images'")
def test_blank_lines_and_unlabelled_image(ex):
    images = [dict(file_name="a.jpg", width=320, height=240, lines=["0 0.5 0.5 0.2 0.2\n", "", "  \n",
                                                                     "1 0.25 0.25 0.1 0.3"]),
              dict(file_name="b.jpg", width=100, height=100, lines=[])]
    _expect_coco(ex.yolo_to_coco(images, ["a", "b"]), reference_coco(images, ["a", "b"]),
                 "yolo_to_coco with blank lines and an image without labels")


@pytest.mark.points(1)
@pytest.mark.hint("check 0 <= class < len(class_names) and raise ValueError naming the file otherwise")
def test_unknown_class_raises(ex):
    for cls in (3, -1):
        images = [dict(file_name="a.jpg", width=100, height=100, lines=[f"{cls} 0.5 0.5 0.2 0.2"])]
        try:
            ex.yolo_to_coco(images, ["a", "b", "c"])
        except ValueError:
            continue
        raise Fail(f"yolo_to_coco accepted class {cls} with 3 class names (0..2); raise ValueError")


@pytest.mark.points(1)
@pytest.mark.hint("the dict must be loadable by pycocotools (COCO().dataset = d; createIndex())")
def test_loads_in_pycocotools(ex):
    import contextlib
    import io

    from pycocotools.coco import COCO

    rng = np.random.default_rng(152)
    images = [dict(file_name=f"{k}.jpg", width=300, height=200, lines=random_lines(rng, 3, 2)) for k in range(3)]
    data = ex.yolo_to_coco(images, ["x", "y"])
    coco = COCO()
    coco.dataset = data
    with contextlib.redirect_stdout(io.StringIO()):
        coco.createIndex()
    expect(sorted(coco.getImgIds()) == [1, 2, 3] and len(coco.getAnnIds()) == 9 and coco.getCatIds() == [1, 2],
                "pycocotools sees the wrong images, annotations or categories")
