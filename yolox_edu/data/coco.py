"""A COCO-format detection dataset on pycocotools: any ``instances_*.json`` + image folder.

Images are read lazily, one per item. COCO category ids (1..90 with gaps for COCO itself) are mapped to
contiguous labels 0..C-1 in the order of the sorted category ids: ``cat_ids[label] = coco id``.
"""

from __future__ import annotations

import contextlib
import io
import json
import warnings
from pathlib import Path
from typing import NamedTuple

import numpy as np
from PIL import Image
from pycocotools.coco import COCO

from yolox_edu.errors import UsageError

from .augment import opencv
from .paths import coco_paths

__all__ = ["CocoDataset", "CocoSample", "load_coco_json", "read_image"]

_REQUIRED = {
    "images": ("id", "file_name"),
    "annotations": ("id", "image_id", "category_id", "bbox"),
    "categories": ("id", "name"),
}


class CocoSample(NamedTuple):
    """One item of :class:`CocoDataset`.

    Shapes:
        image: (h, w, 3) uint8 RGB numpy array, the original picture.
        boxes: (N, 4) float32 xyxy in original pixels.
        labels: (N,) int64 contiguous labels (``cat_ids[label]`` is the COCO category id).
        image_id: the COCO image id (int).
        hw: (h, w) of the original image.
    """

    image: np.ndarray
    boxes: np.ndarray
    labels: np.ndarray
    image_id: int
    hw: tuple[int, int]


def read_json(path: str | Path, what: str = "annotation file") -> object:
    """Parse a JSON file; a missing file or bad JSON raises an error naming the file (and ``what`` it is)."""
    path = Path(path)
    try:
        return json.loads(path.read_text())
    except FileNotFoundError:
        raise FileNotFoundError(f"{what} not found: {path}") from None
    except (json.JSONDecodeError, UnicodeDecodeError) as e:
        raise UsageError(f"{path}: not valid JSON ({e})") from None


def load_coco_json(ann_file: str | Path) -> dict:
    """Read and validate a COCO json; a malformed file raises ValueError naming the file and field."""
    ann_file = Path(ann_file)
    data = read_json(ann_file)
    if not isinstance(data, dict):
        raise UsageError(f"{ann_file}: expected a JSON object with 'images', 'annotations', 'categories'")
    data.setdefault("annotations", [])
    for key, fields in _REQUIRED.items():
        if not isinstance(data.get(key), list):
            raise UsageError(f"{ann_file}: missing or non-list field '{key}'")
        for k, entry in enumerate(data[key]):
            missing = [f for f in fields if not isinstance(entry, dict) or f not in entry]
            if missing:
                raise UsageError(f"{ann_file}: {key}[{k}] lacks field '{missing[0]}'")
    for k, a in enumerate(data["annotations"]):
        bbox = a["bbox"]
        if not (isinstance(bbox, list) and len(bbox) == 4 and all(isinstance(v, int | float) for v in bbox)):
            raise UsageError(f"{ann_file}: annotations[{k}].bbox must be 4 numbers [x, y, w, h], got {bbox!r}")
    return data


def read_image(path: str | Path) -> np.ndarray:
    """Read an image file as (h, w, 3) uint8 RGB; errors name the file.

    PIL decodes it, or OpenCV when installed (faster; EXIF orientation ignored, as PIL does).
    """
    cv = opencv()
    if cv is not None:
        rgb = getattr(cv, "IMREAD_COLOR_RGB", None)  # OpenCV ≥ 4.10 decodes straight to RGB
        image = cv.imread(str(path), (rgb or cv.IMREAD_COLOR) | cv.IMREAD_IGNORE_ORIENTATION)
        if image is not None:
            return image if rgb else cv.cvtColor(image, cv.COLOR_BGR2RGB)
        # unreadable: PIL below raises the error that says what is wrong
    try:
        with Image.open(path) as im:
            return np.asarray(im if im.mode == "RGB" else im.convert("RGB"))
    except FileNotFoundError:
        raise FileNotFoundError(f"image file not found: {path}") from None
    except (OSError, ValueError, SyntaxError) as e:
        raise UsageError(f"cannot read image {path}: {e}. Is it a JPEG/PNG/BMP image?") from None


class CocoDataset:
    """COCO detection dataset: ``dataset[i]`` is a :class:`CocoSample` (original image, xyxy boxes, ...).

    Crowd boxes (``iscrowd=1``) and degenerate boxes (width or height < 1 px after clipping to the image)
    are skipped; images without any box are kept as negatives. ``on_error="skip"`` replaces an
    unreadable or missing image by the next readable one (with a warning) instead of raising.

    Attributes:
        coco: the pycocotools ``COCO`` object; ``ids``: image ids in dataset order;
        class_names: names by contiguous label; cat_ids: COCO category id by contiguous label.
    """

    def __init__(self, ann_file: str | Path, image_dir: str | Path, on_error: str = "raise") -> None:
        if on_error not in ("raise", "skip"):
            raise UsageError(f"on_error must be 'raise' or 'skip', got {on_error!r}")
        self.ann_file, self.image_dir, self.on_error = Path(ann_file), Path(image_dir), on_error
        data = load_coco_json(self.ann_file)
        self.coco = COCO()
        self.coco.dataset = data
        with contextlib.redirect_stdout(io.StringIO()):  # pycocotools prints progress
            self.coco.createIndex()
        self.ids: list[int] = sorted(self.coco.getImgIds())
        self.cat_ids: list[int] = sorted(self.coco.getCatIds())
        self.class_names: list[str] = [self.coco.cats[c]["name"] for c in self.cat_ids]
        self._label_of = {c: i for i, c in enumerate(self.cat_ids)}
        self._targets = [self._load_targets(i) for i in self.ids]  # small: boxes only, no pixels

    @classmethod
    def from_dir(cls, data_dir: str | Path | None, split: str, ann: str | Path | None = None,
                 images: str | Path | None = None, on_error: str = "raise") -> CocoDataset:
        """Dataset in the standard layout ``data_dir/annotations/instances_<split>.json`` + ``data_dir/<split>/``."""
        return cls(*coco_paths(data_dir, split, ann, images), on_error=on_error)

    @property
    def num_classes(self) -> int:
        return len(self.cat_ids)

    def __len__(self) -> int:
        return len(self.ids)

    def _load_targets(self, image_id: int) -> tuple[np.ndarray, np.ndarray]:
        info = self.coco.imgs[image_id]
        w, h = info.get("width", np.inf), info.get("height", np.inf)
        boxes, labels = [], []
        for a in self.coco.imgToAnns.get(image_id, []):
            if a.get("iscrowd", 0) or a["category_id"] not in self._label_of:
                continue
            x, y, bw, bh = a["bbox"]
            x1, y1, x2, y2 = max(x, 0), max(y, 0), min(x + bw, w), min(y + bh, h)
            if x2 - x1 >= 1 and y2 - y1 >= 1:  # degenerate boxes are skipped
                boxes.append((x1, y1, x2, y2))
                labels.append(self._label_of[a["category_id"]])
        return np.array(boxes, np.float32).reshape(-1, 4), np.array(labels, np.int64)  # (N, 4), (N,)

    def image_path(self, index: int) -> Path:
        return self.image_dir / self.coco.imgs[self.ids[index]]["file_name"]

    def targets(self, index: int) -> tuple[np.ndarray, np.ndarray]:
        """(boxes (N, 4) xyxy float32, labels (N,) int64) of an item without reading its image."""
        boxes, labels = self._targets[index]
        return boxes.copy(), labels.copy()

    def __getitem__(self, index: int) -> CocoSample:
        for attempt in range(len(self)):
            k = (index + attempt) % len(self)
            try:
                image = read_image(self.image_path(k))
            except (FileNotFoundError, ValueError) as e:
                if self.on_error == "raise":
                    raise
                warnings.warn(f"skipping image: {e}", stacklevel=2)
                continue
            boxes, labels = self.targets(k)
            h, w = image.shape[:2]
            boxes[:, 0::2] = boxes[:, 0::2].clip(0, w)  # json sizes may be wrong; trust the pixels
            boxes[:, 1::2] = boxes[:, 1::2].clip(0, h)
            return CocoSample(image, boxes, labels, self.ids[k], (h, w))
        raise RuntimeError(f"no readable image in {self.image_dir}")
