"""Cut a COCO subset (some categories, at most N images) into the standard folder layout."""

from __future__ import annotations

import json
import os
import shutil
from pathlib import Path

import numpy as np

from yolox_edu.errors import UsageError

from .coco import load_coco_json

__all__ = ["make_subset"]


def _select_categories(data: dict, cats: list[str] | None, ann_file: Path) -> list[dict]:
    if not cats:
        return list(data["categories"])
    by_name = {c["name"]: c for c in data["categories"]}
    unknown = [c for c in cats if c not in by_name]
    if unknown:
        raise UsageError(f"unknown categories {unknown} in {ann_file}; known: {sorted(by_name)}")
    return [by_name[c] for c in cats]


def make_subset(ann_file: str | Path, image_dir: str | Path, out: str | Path, split: str,
                cats: list[str] | None = None, max_images: int | None = None, seed: int = 0,
                copy: bool = False) -> tuple[Path, int, int]:
    """Write ``out/annotations/instances_<split>.json`` and ``out/<split>/`` (symlinks, or copies).

    Keeps the images that show at least one of ``cats`` (all categories if None), samples at most
    ``max_images`` of them with ``seed``, and keeps only those categories' annotations. COCO category
    ids are preserved. Returns (json path, number of images, number of annotations).
    """
    ann_file, image_dir, out = Path(ann_file), Path(image_dir), Path(out)
    data = load_coco_json(ann_file)
    categories = _select_categories(data, cats, ann_file)
    keep_cats = {c["id"] for c in categories}
    anns = [a for a in data["annotations"] if a["category_id"] in keep_cats]
    candidates = sorted({a["image_id"] for a in anns}) if cats else sorted(im["id"] for im in data["images"])
    if max_images is not None and len(candidates) > max_images:
        rng = np.random.default_rng(seed)
        candidates = sorted(int(i) for i in rng.choice(candidates, max_images, replace=False))
    chosen = set(candidates)
    images = [im for im in data["images"] if im["id"] in chosen]
    anns = [a for a in anns if a["image_id"] in chosen]
    (out / "annotations").mkdir(parents=True, exist_ok=True)
    (out / split).mkdir(parents=True, exist_ok=True)
    for im in images:
        src, dst = (image_dir / im["file_name"]).resolve(), out / split / im["file_name"]
        if not src.is_file():
            raise FileNotFoundError(f"image file not found: {src} (listed in {ann_file})")
        dst.parent.mkdir(parents=True, exist_ok=True)
        if dst.is_symlink() or dst.exists():
            dst.unlink()
        if copy:
            shutil.copy2(src, dst)
        else:
            os.symlink(src, dst)
    subset = {k: v for k, v in data.items() if k not in ("images", "annotations", "categories")}
    subset.update(images=images, annotations=anns, categories=categories)
    json_path = out / "annotations" / f"instances_{split}.json"
    json_path.write_text(json.dumps(subset) + "\n")
    return json_path, len(images), len(anns)
