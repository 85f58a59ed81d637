"""Dataset statistics from a COCO json: images, boxes per class, and box sizes as the model will see them.

``dataset_stats`` reads only the json (no image is decoded). Box sizes are measured at the input size the
model trains at: the letterbox scales an image by ``r = min(H / h, W / w)``, so a box of ``w × h`` pixels
becomes ``sqrt(w·h)·r`` pixels on a side (its geometric mean). Compared with YOLOX's strides 8, 16 and 32
(one grid cell of the P3, P4 and P5 maps), this says which boxes only the finest map can see, and how many
are smaller than one of its cells.
"""

from __future__ import annotations

from collections import Counter
from dataclasses import dataclass
from pathlib import Path

import numpy as np

from yolox_edu.data.coco import load_coco_json

__all__ = ["STRIDES", "DatasetStats", "dataset_stats"]

STRIDES = (8, 16, 32)  # YOLOX's P3, P4, P5 grid cells, in input pixels


@dataclass
class DatasetStats:
    """One split: ``class_counts`` {name: boxes} (json order), ``sides`` (N,) box sides ``sqrt(w·h)·r`` in
    input pixels, ``image_sizes`` (I, 2) (width, height) of the images, ``empty_images`` without a box."""

    split: str
    input_hw: tuple[int, int]
    num_images: int
    empty_images: int
    class_counts: dict[str, int]
    sides: np.ndarray
    image_sizes: np.ndarray

    def side_bins(self) -> dict[str, int]:
        """Boxes by side at the input size: below one stride-8 cell, 8–16, 16–32, 32–96, 96 and over."""
        edges = (0, *STRIDES, 96, np.inf)
        names = ("< 8 px", "8–16 px", "16–32 px", "32–96 px", "≥ 96 px")
        counts = np.histogram(self.sides, bins=edges)[0]
        return dict(zip(names, counts.tolist()))

    def summary(self) -> str:
        counts = ", ".join(f"{name} {n}" for name, n in self.class_counts.items())
        sizes = np.unique(self.image_sizes, axis=0) if len(self.image_sizes) else np.zeros((0, 2))
        size_text = (f"{sizes[0][0]}×{sizes[0][1]}" if len(sizes) == 1 else f"{len(sizes)} different sizes")
        bins = ", ".join(f"{k}: {v}" for k, v in self.side_bins().items())
        h, w = self.input_hw
        return (f"split {self.split}: {self.num_images} images ({size_text}), {self.empty_images} without boxes; "
                f"{len(self.sides)} boxes: {counts}\n"
                f"box sides at the {w}×{h} input (sqrt(w·h)·r, strides {'/'.join(map(str, STRIDES))}): {bins}")


def dataset_stats(data_dir: str | Path, split: str, input_hw: tuple[int, int] = (640, 640)) -> DatasetStats:
    """Statistics of ``DIR/annotations/instances_<split>.json`` at the model's input size ``input_hw`` (h, w).

    Raises FileNotFoundError naming the json when it is missing, ValueError when an image lacks its
    width/height (needed for the letterbox scale; ``yolox-edu data check`` names such entries)."""
    ann_file = Path(data_dir) / "annotations" / f"instances_{split}.json"
    if not ann_file.is_file():
        raise FileNotFoundError(f"no annotations for split {split!r}: {ann_file} does not exist "
                                "(a COCO-layout folder holds annotations/instances_<split>.json)")
    data = load_coco_json(ann_file)
    images = {im["id"]: im for im in data["images"]}
    missing = [im["id"] for im in data["images"] if not im.get("width") or not im.get("height")]
    if missing:
        raise ValueError(f"{ann_file}: images {missing[:5]} have no width/height; add them (data check lists them)")
    names = {c["id"]: c["name"] for c in data["categories"]}
    anns = [a for a in data["annotations"] if a["image_id"] in images and not a.get("iscrowd", 0)]
    per_class = Counter(a["category_id"] for a in anns)
    h_in, w_in = input_hw
    sides = []
    for a in anns:
        im = images[a["image_id"]]
        r = min(h_in / im["height"], w_in / im["width"])  # the letterbox scale of this image
        _, _, w, h = a["bbox"]
        sides.append(np.sqrt(max(w, 0) * max(h, 0)) * r)
    boxed = {a["image_id"] for a in anns}
    image_sizes = np.array([(im["width"], im["height"]) for im in data["images"]], int).reshape(-1, 2)  # (I, 2)
    return DatasetStats(split=split, input_hw=(h_in, w_in), num_images=len(images),
                        empty_images=sum(i not in boxed for i in images),
                        class_counts={names[c]: per_class.get(c, 0) for c in names},
                        sides=np.array(sides, float),
                        image_sizes=image_sizes)
