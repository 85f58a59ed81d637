"""Grading: Mosaic boxes (notebook 08), the learning-rate schedule (09), YOLO labels → COCO (12)."""

from __future__ import annotations

import math

import numpy as np

from yolox_edu.data.augment import clip_boxes
from yolox_edu.data.mosaic_mixup import mosaic
from yolox_edu.grading.harness import Fail, expect_array, expect_close, expect_true, graded
from yolox_edu.train.schedule import yolox_lr

# ------------------------------------------------------------------------------------------------ mosaic


def random_boxes(n: int, rng: np.random.Generator, h: int, w: int) -> np.ndarray:
    """(n, 4) float32 xyxy boxes inside an (h, w) image."""
    low = rng.uniform(0, 0.7, (n, 2)) * (w, h)
    side = rng.uniform(0.05, 0.3, (n, 2)) * (w, h)
    return np.concatenate([low, low + side], axis=1).astype(np.float32)


@graded("mosaic", 2, hint="tiles 0 and 2 end at xc (ox = xc − w), 1 and 3 start there (ox = xc); tiles 0 and 1 "
                          "end at yc (oy = yc − h), 2 and 3 start there. Example: tile 0 of size (h, w) = (40, 60) "
                          "at center (yc, xc) = (100, 120) → (60, 60)")
def tile_offset_all_tiles(ex):
    for tile_hw, center in (((37, 53), (71, 90)), ((64, 30), (40, 100))):
        h, w = tile_hw
        yc, xc = center
        want = [(xc - w, yc - h), (xc, yc - h), (xc - w, yc), (xc, yc)]
        for k in range(4):
            got = ex.tile_offset(k, tile_hw, center)
            expect_true(tuple(int(v) for v in got) == want[k] and len(got) == 2,
                        f"tile_offset of tile {k} (size {tile_hw}, center {center}) is not where the tile lands")


@graded("mosaic", 1, hint="boxes · scale + (ox, oy, ox, oy): x gets ox, y gets oy; return a new float32 array")
def shift_boxes_values(ex):
    boxes = random_boxes(5, np.random.default_rng(140), 50, 80)
    before = boxes.copy()
    got = ex.shift_boxes(boxes, 0.75, (13, -7))
    expect_array(got, (boxes * 0.75 + np.array([13, -7, 13, -7], np.float32)).astype(np.float32),
                 "shift_boxes with scale 0.75, offset (13, -7)", atol=1e-4)
    expect_true(np.array_equal(boxes, before), "shift_boxes changed its input in place; work on a copy")


@graded("mosaic", 2, hint="x (columns 0 and 2) is clipped to [0, w], y (columns 1 and 3) to [0, h]; hw is "
                          "(h, w): mind the order; boxes fully outside become zero-width but stay")
def clip_boxes_border(ex):
    boxes = np.array([[-10, 5, 30, 40], [90, 70, 130, 99], [-20, -20, -5, -5], [0, 0, 100, 60], [10, 10, 20, 20]],
                     np.float32)
    before = boxes.copy()
    expect_array(ex.clip_boxes(boxes, (60, 100)), clip_boxes(boxes, (60, 100)),
                 "clip_boxes to a 60×100 (h×w) canvas: boxes crossing, outside and touching the border")
    expect_true(np.array_equal(boxes, before), "clip_boxes changed its input in place; work on a copy")


MOSAIC_HINT = ("per image: scale = min(H/h0, W/w0), tile size (int(h0·scale), int(w0·scale)); shift its boxes by "
               "scale and the tile's offset; concatenate in tile order; clip to the (2H, 2W) canvas at the end")


@graded("mosaic", 3, hint=MOSAIC_HINT)
def mosaic_boxes_match_library(ex):
    rng = np.random.default_rng(141)
    for input_hw in ((64, 64), (48, 80)):
        hws = [(int(rng.integers(20, 90)), int(rng.integers(20, 90))) for _ in range(4)]
        boxes = [random_boxes(int(rng.integers(1, 5)), rng, h, w) for h, w in hws]
        center = (int(rng.uniform(0.5, 1.5) * input_hw[0]), int(rng.uniform(0.5, 1.5) * input_hw[1]))
        images = [np.zeros((h, w, 3), np.uint8) for h, w in hws]
        _, want, _ = mosaic(images, boxes, [np.zeros(len(b), np.int64) for b in boxes], input_hw, center)
        got = ex.mosaic_boxes([b.copy() for b in boxes], hws, input_hw, center)
        expect_array(got, want, f"mosaic_boxes for input {input_hw}, center {center}", atol=1e-3)


@graded("mosaic", 1, hint=MOSAIC_HINT + "; an image without boxes has a (0, 4) array; a center at the canvas edge "
                                        "pushes tiles outside, their boxes are clipped, not dropped")
def mosaic_boxes_empty_tile_and_edge_center(ex):
    rng = np.random.default_rng(142)
    hws = [(40, 50), (30, 30), (64, 20), (50, 50)]
    boxes = [random_boxes(2, rng, *hws[0]), np.zeros((0, 4), np.float32), random_boxes(3, rng, *hws[2]),
             random_boxes(1, rng, *hws[3])]
    center = (32, 127)  # xc at the right edge of a 128-wide canvas
    _, want, _ = mosaic([np.zeros((h, w, 3), np.uint8) for h, w in hws], boxes,
                        [np.zeros(len(b), np.int64) for b in boxes], (64, 64), center)
    expect_array(ex.mosaic_boxes(boxes, hws, (64, 64), center), want,
                 "mosaic_boxes with an image without boxes and the center at the canvas edge", atol=1e-3)


# ------------------------------------------------------------------------------------------- lr schedule

RUN = dict(base_lr=0.01, total_iters=300, warmup_iters=50, no_aug_iters=45)


def _check_lr(ex, iterations, what: str, **kwargs) -> None:
    for it in iterations:
        expect_close(ex.yolox_lr(it, **kwargs), yolox_lr(it, **kwargs), f"{what} at iteration {it}", atol=1e-12,
                     rtol=1e-9)


@graded("lr_schedule", 2, hint="warmup: warmup_lr + (base_lr − warmup_lr)·(iteration / warmup_iters)² — "
                               "quadratic, not linear. Example: halfway through warmup from 0 → base_lr / 4")
def warmup_phase(ex):
    _check_lr(ex, (0, 1, 17, 33, 49), "warmup lr", **RUN)
    _check_lr(ex, (3, 25), "warmup lr with warmup_lr=0.002", **RUN, warmup_lr=0.002)


@graded("lr_schedule", 2, hint="cosine from base_lr down to min_lr = min_lr_ratio·base_lr over span = total_iters "
                               "− warmup_iters − no_aug_iters, measured from the end of warmup")
def cosine_phase(ex):
    _check_lr(ex, (51, 100, 180, 254), "cosine lr", **RUN)
    _check_lr(ex, (60, 200), "cosine lr with min_lr_ratio=0.2", **RUN, min_lr_ratio=0.2)


@graded("lr_schedule", 1, hint="from iteration total_iters − no_aug_iters on, the lr stays at min_lr")
def no_aug_tail(ex):
    _check_lr(ex, (255, 256, 299, 310), "no-aug tail lr", **RUN)


@graded("lr_schedule", 2, hint="warmup includes iteration == warmup_iters (<=); with warmup_iters = 0 there is no "
                               "warmup (no division by zero); the tail starts AT total_iters − no_aug_iters (>=)")
def phase_boundaries(ex):
    _check_lr(ex, (50, 255), "lr at a phase boundary", **RUN)
    _check_lr(ex, (0, 1, 120), "lr with warmup_iters=0", base_lr=0.02, total_iters=200, warmup_iters=0, no_aug_iters=15)
    _check_lr(ex, (0, 5, 9), "lr with no_aug_iters=0", base_lr=0.01, total_iters=10, warmup_iters=2, no_aug_iters=0)


@graded("lr_schedule", 1, hint="return a Python float (math.cos, not torch/numpy)")
def returns_float(ex):
    got = ex.yolox_lr(100, **RUN)
    expect_true(type(got) is float, f"yolox_lr returned {type(got).__name__}, expected float")
    expect_true(math.isfinite(got), "yolox_lr returned a non-finite number")


# ------------------------------------------------------------------------------------------- coco format

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
    expect_true(got[0] == want[0] and isinstance(got[0], int), f"{what}: wrong class index (or not an int)")
    expect_array(np.asarray(got[1], float), np.asarray(want[1], float), f"{what} box", atol=1e-3)


@graded("coco_format", 2, hint=LINE_HINT)
def line_to_xywh_random(ex):
    rng = np.random.default_rng(150)
    for line in random_lines(rng, 6, 5):
        size = (int(rng.integers(100, 900)), int(rng.integers(100, 900)))
        _expect_line(ex.yolo_line_to_xywh(line, *size), reference_line(line, *size), f"'{line[:2]}…' in a {size} image")


@graded("coco_format", 1, hint="labels may reach past the image (by rounding): clip x to [0, width] and y to "
                               "[0, height] before computing w and h")
def line_clipped_at_border(ex):
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
        expect_true(entries == want[key], f"{what}: '{key}' differ from the reference (ids start at 1, in order)")
    expect_true(len(got["annotations"]) == len(want["annotations"]),
                f"{what}: expected {len(want['annotations'])} annotations, got {len(got['annotations'])}")
    for a, b in zip(got["annotations"], want["annotations"]):
        for key in ("id", "image_id", "category_id", "iscrowd"):
            expect_true(a.get(key) == b[key], f"{what}: annotation {b['id']} has the wrong '{key}'")
        expect_array(np.asarray(a.get("bbox"), float), np.asarray(b["bbox"], float),
                     f"{what}: annotation {b['id']} 'bbox'", atol=1e-3)
        expect_close(a.get("area"), b["area"], f"{what}: annotation {b['id']} 'area'", atol=1e-2, rtol=1e-5)


COCO_HINT = ("image k gets id k + 1; annotations are numbered 1, 2, … across all images; category_id = class + 1 "
             "(COCO ids start at 1: an id 0 or a shifted mapping is the classic cause of AP = 0); "
             "area = w·h; iscrowd = 0")


@graded("coco_format", 3, hint=COCO_HINT)
def coco_dict_random(ex):
    rng = np.random.default_rng(151)
    images = [dict(file_name=f"{k:04d}.jpg", width=int(rng.integers(200, 700)), height=int(rng.integers(200, 700)),
                   lines=random_lines(rng, int(rng.integers(1, 5)), 3)) for k in range(4)]
    names = ["cat", "dog", "bird"]
    _expect_coco(ex.yolo_to_coco(images, names), reference_coco(images, names), "yolo_to_coco of 4 images")


@graded("coco_format", 1, hint="skip blank lines (line.strip() == ''); an image without labels is still listed in "
                               "'images'")
def blank_lines_and_unlabelled_image(ex):
    images = [dict(file_name="a.jpg", width=320, height=240, lines=["0 0.5 0.5 0.2 0.2\n", "", "  \n",
                                                                     "1 0.25 0.25 0.1 0.3"]),
              dict(file_name="b.jpg", width=100, height=100, lines=[])]
    _expect_coco(ex.yolo_to_coco(images, ["a", "b"]), reference_coco(images, ["a", "b"]),
                 "yolo_to_coco with blank lines and an image without labels")


@graded("coco_format", 1, hint="check 0 <= class < len(class_names) and raise ValueError naming the file otherwise")
def unknown_class_raises(ex):
    images = [dict(file_name="a.jpg", width=100, height=100, lines=["3 0.5 0.5 0.2 0.2"])]
    try:
        ex.yolo_to_coco(images, ["a", "b", "c"])
    except ValueError:
        return
    raise Fail("yolo_to_coco accepted class 3 with only 3 class names (0..2); raise ValueError")


@graded("coco_format", 1, hint="the dict must be loadable by pycocotools (COCO().dataset = d; createIndex())")
def loads_in_pycocotools(ex):
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
    expect_true(sorted(coco.getImgIds()) == [1, 2, 3] and len(coco.getAnnIds()) == 9 and coco.getCatIds() == [1, 2],
                "pycocotools sees the wrong images, annotations or categories")
