"""A deterministic synthetic detection set: coloured shapes on textured backgrounds, in COCO format.

Six shape classes, 1–8 objects per image, sizes log-uniform from ~10 px to ~150 px at 320 px (so all
of strides 8, 16 and 32 matter), limited overlap, backgrounds from procedural noise, gradients, stripes,
checks or crops of photos. ``make_synth(out, n_train, n_val, seed)`` writes the standard layout
``out/annotations/instances_{train,val}.json`` + ``out/{train,val}/*.jpg``; the same seed gives
byte-identical files.
"""

from __future__ import annotations

import json
import math
from pathlib import Path

import numpy as np
from PIL import Image, ImageDraw

__all__ = ["SHAPES", "draw_background", "draw_shape", "synth_image", "make_synth", "default_photo_dir"]

SHAPES = ("circle", "square", "triangle", "star", "ring", "cross")


def default_photo_dir() -> Path | None:
    """The bundled photos (``data_samples/photos/samples``, see ``yolox_edu.samples``), else None."""
    from yolox_edu.samples import data_samples

    try:
        path = data_samples() / "photos" / "samples"
    except FileNotFoundError:
        return None
    return path if path.is_dir() else None


def _smooth_noise(rng: np.random.Generator, size: int, cells: int) -> np.ndarray:
    """(size, size, 3) float in 0..1: a coarse random grid upsampled bilinearly."""
    grid = (rng.random((cells, cells, 3)) * 255).astype(np.uint8)
    return np.asarray(Image.fromarray(grid).resize((size, size), Image.BILINEAR), np.float32) / 255


def draw_background(rng: np.random.Generator, size: int, photos: list[np.ndarray] | None = None) -> np.ndarray:
    """(size, size, 3) uint8 background: noise, gradient, stripes, checks or a photo crop."""
    kinds = ["noise", "gradient", "stripes", "checks"] + (["photo"] if photos else [])
    kind = kinds[int(rng.integers(len(kinds)))]
    c1, c2 = rng.uniform(0, 255, 3), rng.uniform(0, 255, 3)
    yy, xx = np.mgrid[0:size, 0:size].astype(np.float32) / size
    if kind == "noise":
        t = _smooth_noise(rng, size, int(rng.integers(3, 12)))
    elif kind == "gradient":
        a = rng.uniform(0, 2 * math.pi)
        t = ((xx * math.cos(a) + yy * math.sin(a)) % 1.0)[..., None]
    elif kind == "stripes":
        a, f = rng.uniform(0, math.pi), rng.uniform(4, 20)
        t = (0.5 + 0.5 * np.sin(2 * math.pi * f * (xx * math.cos(a) + yy * math.sin(a))))[..., None]
    elif kind == "checks":
        n = int(rng.integers(4, 16))
        t = (((xx * n).astype(int) + (yy * n).astype(int)) % 2)[..., None].astype(np.float32)
    else:
        photo = photos[int(rng.integers(len(photos)))]
        h, w = photo.shape[:2]
        side = int(rng.integers(min(h, w) // 3, min(h, w) + 1))
        y, x = int(rng.integers(0, h - side + 1)), int(rng.integers(0, w - side + 1))
        crop = Image.fromarray(photo[y:y + side, x:x + side]).resize((size, size), Image.BILINEAR)
        return np.asarray(crop)
    if kind in ("stripes", "checks"):
        t = t * rng.uniform(0.25, 0.6)  # busy textures stay low-contrast so shapes remain learnable
    image = c1 * (1 - t) + c2 * t + rng.normal(0, 2, (size, size, 3))
    return image.clip(0, 255).astype(np.uint8)


def _polygon(kind: str, cx: float, cy: float, r: float, angle: float) -> list[tuple[float, float]]:
    if kind == "square":
        radii, n = [r], 4
    elif kind == "triangle":
        radii, n = [r], 3
    elif kind == "star":
        radii, n = [r, 0.45 * r], 10
    else:  # cross: 12 corners of a plus sign
        a, b = r, r / 3
        pts = [(b, a), (b, b), (a, b), (a, -b), (b, -b), (b, -a), (-b, -a), (-b, -b), (-a, -b), (-a, b),
               (-b, b), (-b, a)]
        c, s = math.cos(angle), math.sin(angle)
        return [(cx + x * c - y * s, cy + x * s + y * c) for x, y in pts]
    return [(cx + radii[k % len(radii)] * math.cos(angle + 2 * math.pi * k / n),
             cy + radii[k % len(radii)] * math.sin(angle + 2 * math.pi * k / n)) for k in range(n)]


def draw_shape(draw: ImageDraw.ImageDraw, kind: str, cx: float, cy: float, r: float, angle: float,
               color: tuple[int, int, int]) -> tuple[float, float, float, float]:
    """Draw one shape of circumradius ``r``; returns its tight xyxy box."""
    if kind in ("circle", "ring"):
        box = (cx - r, cy - r, cx + r, cy + r)
        if kind == "circle":
            draw.ellipse(box, fill=color)
        else:
            draw.ellipse(box, outline=color, width=max(2, round(r * 0.35)))
        return box
    pts = _polygon(kind, cx, cy, r, angle)
    draw.polygon(pts, fill=color)
    xs, ys = [p[0] for p in pts], [p[1] for p in pts]
    return min(xs), min(ys), max(xs), max(ys)


def _covered(box: np.ndarray, boxes: list[np.ndarray], max_cover: float = 0.4) -> bool:
    """True if ``box`` would hide more than ``max_cover`` of an earlier box (or vice versa)."""
    for b in boxes:
        iw = min(box[2], b[2]) - max(box[0], b[0])
        ih = min(box[3], b[3]) - max(box[1], b[1])
        if iw > 0 and ih > 0:
            inter = iw * ih
            if inter > max_cover * min((b[2] - b[0]) * (b[3] - b[1]), (box[2] - box[0]) * (box[3] - box[1])):
                return True
    return False


def _contrasting_color(rng: np.random.Generator, background: np.ndarray, box: np.ndarray,
                       min_distance: float = 90.0) -> tuple[int, int, int]:
    """A saturated colour far (in RGB) from the mean background under ``box`` (best of 8 tries)."""
    h, w = background.shape[:2]
    x1, y1 = int(np.clip(box[0], 0, w - 1)), int(np.clip(box[1], 0, h - 1))
    x2, y2 = int(np.clip(box[2], x1 + 1, w)), int(np.clip(box[3], y1 + 1, h))
    mean = background[y1:y2, x1:x2].reshape(-1, 3).mean(0)
    best, best_d = (255, 255, 255), -1.0
    for _ in range(8):
        hsv = (int(rng.integers(0, 256)), int(rng.integers(150, 256)), int(rng.integers(120, 256)))
        rgb = np.asarray(Image.new("HSV", (1, 1), hsv).convert("RGB"), np.float64).reshape(3)
        d = float(np.linalg.norm(rgb - mean))
        if d > best_d:
            best, best_d = tuple(int(v) for v in rgb), d
        if d >= min_distance:
            break
    return best


def synth_image(rng: np.random.Generator, size: int = 320, photos: list[np.ndarray] | None = None,
                max_objects: int = 8, min_px: float = 16.0, max_px: float = 160.0
                ) -> tuple[np.ndarray, list[tuple[int, list[float]]]]:
    """One image and its objects ``[(class index, [x1, y1, x2, y2]), ...]`` (boxes clipped to the image)."""
    scale = size / 320
    background = draw_background(rng, size, photos)
    image = Image.fromarray(background)
    draw = ImageDraw.Draw(image)
    objects, placed = [], []
    for _ in range(int(rng.integers(1, max_objects + 1))):
        for _attempt in range(20):
            side = math.exp(rng.uniform(math.log(min_px), math.log(max_px))) * scale
            kind = int(rng.integers(len(SHAPES)))
            cx, cy = rng.uniform(0.05 * size, 0.95 * size, 2)
            box = np.array([cx - side / 2, cy - side / 2, cx + side / 2, cy + side / 2])
            if not _covered(box, placed):
                break
        else:
            continue
        color = _contrasting_color(rng, background, box)
        x1, y1, x2, y2 = draw_shape(draw, SHAPES[kind], cx, cy, side / 2, rng.uniform(0, 2 * math.pi), color)
        clipped = [max(0.0, x1), max(0.0, y1), min(float(size), x2), min(float(size), y2)]
        if clipped[2] - clipped[0] >= 2 and clipped[3] - clipped[1] >= 2:
            objects.append((kind, [round(v, 2) for v in clipped]))
            placed.append(box)
    return np.asarray(image), objects


def _coco_json(records: list[tuple[str, int, list]], size: int) -> dict:
    images, annotations = [], []
    for image_id, (name, _, objects) in enumerate(records, start=1):
        images.append({"id": image_id, "file_name": name, "width": size, "height": size})
        for kind, (x1, y1, x2, y2) in objects:
            w, h = round(x2 - x1, 2), round(y2 - y1, 2)
            annotations.append({"id": len(annotations) + 1, "image_id": image_id, "category_id": kind + 1,
                                "bbox": [x1, y1, w, h], "area": round(w * h, 2), "iscrowd": 0})
    categories = [{"id": k + 1, "name": n, "supercategory": "shape"} for k, n in enumerate(SHAPES)]
    return {"info": {"description": "yolox_edu synthetic shapes"}, "licenses": [], "images": images,
            "annotations": annotations, "categories": categories}


def make_synth(out: str | Path, n_train: int = 400, n_val: int = 100, seed: int = 0, size: int = 320,
               photo_dir: str | Path | None = None, quality: int = 80) -> Path:
    """Write the synthetic set in the standard COCO layout under ``out``; returns ``out``."""
    out = Path(out)
    photos = None
    if photo_dir is not None:
        files = sorted(p for p in Path(photo_dir).iterdir() if p.suffix.lower() in (".jpg", ".jpeg", ".png"))
        photos = [np.asarray(Image.open(p).convert("RGB")) for p in files] or None
    (out / "annotations").mkdir(parents=True, exist_ok=True)
    for split_id, (split, n) in enumerate((("train", n_train), ("val", n_val))):
        (out / split).mkdir(exist_ok=True)
        records = []
        for i in range(n):
            rng = np.random.default_rng([seed, split_id, i])
            image, objects = synth_image(rng, size, photos)
            name = f"{i + 1:06d}.jpg"
            Image.fromarray(image).save(out / split / name, quality=quality)
            records.append((name, i, objects))
        text = json.dumps(_coco_json(records, size), separators=(",", ":"), sort_keys=True)
        (out / "annotations" / f"instances_{split}.json").write_text(text + "\n")
    return out
